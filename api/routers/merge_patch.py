"""Typed JSON merge-patch bodies (RFC 7396) derived from a resource's create body.

`merge_patch_model(BirthIn)` is `BirthPatch`: the same fields with the same per-field rules,
every one optional and nullable (`null` removes a value), nested objects partial too (they
are merged, not replaced); lists are replaced whole, so their items stay complete. Rules
that relate several fields (birth order within plurality, birth date agreeing with the ID
number...) cannot be judged on a patch alone: the service checks them on the merged record,
against the create body. Validators that screen raw input (`mode="before"`, such as the
refusal of fetal sex) apply to the patch as they do to a create.
"""

from collections.abc import Callable
from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, create_model, model_validator
from pydantic.fields import FieldInfo

from api.models.base import StrictBody

MERGE_PATCH_JSON = "application/merge-patch+json"


def _partial_type(annotation: Any) -> Any:
    """`annotation` with every body model in it (outside lists) replaced by its patch."""
    if isinstance(annotation, type) and issubclass(annotation, StrictBody):
        return merge_patch_model(annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        return Annotated[(_partial_type(inner), *metadata)]  # type: ignore[valid-type]
    if origin in (Union, UnionType):
        return Union[tuple(_partial_type(arg) for arg in get_args(annotation))]  # noqa: UP007
    return annotation


def _optional_field(field: FieldInfo) -> tuple[Any, FieldInfo]:
    annotation = _partial_type(field.rebuild_annotation())
    described = FieldInfo(
        default=None,
        title=field.title,
        description=field.description,
        examples=field.examples,
        json_schema_extra=field.json_schema_extra,
    )
    return annotation | None, described


def _screen(check: Callable[[Any], Any]) -> Any:
    """A copy of a `mode="before"` validator of another model, for the patch model."""

    def screen(cls: type[BaseModel], data: Any) -> Any:
        return check(data)

    return model_validator(mode="before")(screen)


def _before_validators(model: type[BaseModel]) -> dict[str, Any]:
    # Only those that screen the raw input (the others need a whole record), and not
    # StrictBody's own: the patch model inherits them.
    inherited = StrictBody.__pydantic_decorators__.model_validators
    decorators = model.__pydantic_decorators__.model_validators.items()
    return {
        name: _screen(decorator.func)
        for name, decorator in decorators
        if decorator.info.mode == "before" and name not in inherited
    }


@cache
def merge_patch_model(model: type[BaseModel]) -> type[StrictBody]:
    """The merge-patch body of `model`: named `<Resource>Patch` (`BirthIn` → `BirthPatch`)."""
    name = model.__name__.removesuffix("In") + "Patch"
    fields = {n: _optional_field(f) for n, f in model.model_fields.items()}
    patch: type[StrictBody] = create_model(  # type: ignore[call-overload]
        name,
        __base__=StrictBody,
        __doc__=(
            f"A JSON merge patch (RFC 7396) of {model.__name__}: send only what changes; "
            "null removes an optional value. 合并补丁：只发送要更正的字段，null 表示删除。"
        ),
        __validators__=_before_validators(model),
        __module__=__name__,
        **fields,
    )
    return patch
