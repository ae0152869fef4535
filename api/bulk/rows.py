"""Writing many rows in one go: COPY on PostgreSQL, one executemany on SQLite."""

import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from pydantic import TypeAdapter
from pydantic_core import PydanticUndefined
from sqlalchemy import (
    JSON,
    Column,
    Date,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel

from api.models.types import UTCDateTime

Row = dict[str, Any]
_JSON_OBJECT = TypeAdapter(dict[str, Any])
_JSON_ANY = TypeAdapter(Any)


class JsonText(str):
    """A JSON document already serialised, written to a JSON column as it is."""


def to_json(value: Any) -> JsonText:
    """Serialise column values as `api.records.core.snapshot` does (instants in UTC with `Z`)."""
    # orjson writes the same document as pydantic for the column types (str, int, bool,
    # dates, aware instants, str enums) at a tenth of the cost; pydantic takes what it can't.
    try:
        return JsonText(orjson.dumps(value, option=orjson.OPT_UTC_Z).decode())
    except TypeError:
        adapter = _JSON_OBJECT if isinstance(value, dict) else _JSON_ANY
        return JsonText(adapter.dump_json(value).decode())


def new_ids(count: int) -> list[str]:
    """`count` random UUID4 strings, like `api.models.base.new_id` but faster in bulk."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return ids


@cache
def instant_columns(table: Table) -> tuple[str, ...]:
    """The table's instant (UTC timestamp) columns."""
    return tuple(c.name for c in table.columns if isinstance(c.type, UTCDateTime))


def in_utc(row: Row, columns: Sequence[str]) -> None:
    """Put the row's instants in UTC, as they read back from the database."""
    for name in columns:
        value = row.get(name)
        if value is not None:
            row[name] = value.astimezone(UTC)


@cache
def column_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The model's plain default values; factories (ids, instants, lists) are left out."""
    return {
        name: info.default
        for name, info in model.model_fields.items()
        if info.default is not PydanticUndefined and info.default_factory is None
    }


@cache
def list_columns(model: type[SQLModel]) -> tuple[str, ...]:
    """Columns whose default is a fresh empty list (e.g. a person's `sources`)."""
    return tuple(name for name, info in model.model_fields.items() if info.default_factory is list)


@cache
def _text_json_view(table: Table) -> Table:
    # The same table with JSON columns typed as text, so that pre-serialised documents are
    # written as they are instead of being serialised a second time.
    columns = [
        Column(c.name, Text() if isinstance(c.type, JSON) else c.type, primary_key=c.primary_key)
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _json_ready(table: Table, rows: Sequence[Row]) -> Sequence[Row]:
    # Serialises JSON columns in place: the rows are the caller's scratch copies.
    json_columns = [c.name for c in table.columns if isinstance(c.type, JSON)]
    for row in rows:
        for name in json_columns:
            if not isinstance(row[name], JsonText):
                row[name] = to_json(row[name])
    return rows


def is_postgresql(session: Session) -> bool:
    """True when the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def _sqlite_instant(value: datetime) -> str:
    # UTCDateTime's bind processing on SQLite (naive UTC text, microseconds always shown),
    # without its three layers of calls: the same text, a fraction of the cost.
    if value.tzinfo is None:
        raise ValueError("naive datetime: instants must carry an offset")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _once(render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # A batch stamps its rows with a handful of instants and days: render each once.
    memo: dict[Any, Any] = {None: None}

    def rendered(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            memo[value] = done = render(value)
            return done

    return rendered


def _json_text(value: Any) -> Any:
    return value if value is None or isinstance(value, JsonText) else to_json(value)


def _sqlite_converters(table: Table, dialect: Any) -> list[Callable[[Any], Any] | None]:
    # The bind processing SQLAlchemy would apply, column by column, minus its per-parameter
    # bookkeeping; instants and days are rendered once each per statement.
    converters: list[Callable[[Any], Any] | None] = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            converters.append(_once(_sqlite_instant))
        elif isinstance(column.type, Date):
            converters.append(_once(date.isoformat))
        elif isinstance(column.type, JSON):
            converters.append(_json_text)
        else:
            converters.append(column.type.dialect_impl(dialect).bind_processor(dialect))
    return converters


def _sqlite_executemany(session: Session, table: Table, rows: Sequence[Row]) -> None:
    connection = session.connection()
    values_of = itemgetter(*(c.name for c in table.columns))
    converters = [
        (i, convert)
        for i, convert in enumerate(_sqlite_converters(table, connection.dialect))
        if convert is not None
    ]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(values_of(row))
        for i, convert in converters:
            values[i] = convert(values[i])
        params.append(tuple(values))
    statement = str(insert(table).compile(dialect=connection.dialect))
    connection.exec_driver_sql(statement, params)


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """Insert rows holding a value for every column of `table`, in one statement.

    PostgreSQL takes them through COPY; SQLite in one executemany of plain tuples, with
    values rendered as SQLAlchemy stores them (instants as naive UTC text, days as ISO
    text, JSON as text).
    """
    if not rows:
        return
    if not is_postgresql(session):
        _sqlite_executemany(session, table, rows)
        return
    ready = _json_ready(table, rows)
    names = [c.name for c in table.columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    raw = session.connection().connection.driver_connection
    assert raw is not None
    # COPY bypasses SQLAlchemy, so its errors are translated to SQLAlchemy's like any other
    # statement's (a unique key taken by a concurrent writer is an IntegrityError).
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in ready:
                copy.write_row([row[n] for n in names])
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    except psycopg.Error as exc:
        raise DBAPIError(statement, None, exc) from exc


def _array_literal(values: Iterable[Any]) -> str:
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


# Up to so many keys go as a plain IN list: a single create's look-up stays a plain query.
FEW_KEYS = 16


def _in_list(columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> Any:
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(keys)


def among(session: Session, columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> Any:
    """`columns IN keys` for thousands of keys, sent as one parameter per column."""
    # A 2,000-item IN list, or a list parameter, costs more to render and bind than the
    # query takes to run. On SQLite one text key column reads a JSON array (json_each).
    if len(keys) <= FEW_KEYS:
        return _in_list(columns, keys)
    if not is_postgresql(session):
        if len(columns) > 1 or not all(isinstance(k[0], str) for k in keys):
            return _in_list(columns, keys)
        array = bindparam("keys", json.dumps([k[0] for k in keys]), Text, unique=True)
        values: Any = select(literal_column("value")).select_from(func.json_each(array))
        return columns[0].in_(values)
    # On PostgreSQL the keys travel as one array literal per column. Strings compare as
    # text: a cast to varchar(n) would silently cut longer values.
    arrays = [
        cast(
            bindparam(f"keys_{i}", _array_literal(k[i] for k in keys), Text, unique=True),
            ARRAY(Text() if isinstance(c.type, String) else c.type),
        )
        for i, c in enumerate(columns)
    ]
    # A semi-join on the unnested keys, not `= ANY(array)`: while a table fills up its
    # statistics lag, and the planner then compares every row with every key (seconds per
    # batch); a hash semi-join stays cheap either way.
    keys_table = select(*[func.unnest(a) for a in arrays])
    if len(columns) == 1:
        return columns[0].in_(keys_table)
    return tuple_(*columns).in_(keys_table)


def update_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """Overwrite whole rows by primary key `id`, in one executemany."""
    if not rows:
        return
    view = _text_json_view(table)
    cast_json = is_postgresql(session)
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "id":
            continue
        value: Any = bindparam(f"b_{column.name}", type_=view.c[column.name].type)
        # PostgreSQL will not put a text parameter into a json column without a cast.
        if cast_json and isinstance(column.type, JSON):
            value = cast(value, column.type)
        values[column.name] = value
    statement = update(view).where(view.c.id == bindparam("b_id")).values(values)
    ready = _json_ready(table, rows)
    session.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in ready])
