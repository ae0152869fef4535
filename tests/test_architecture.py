"""The package layout keeps its promises (docs/architecture.md): no import circles, a small
spine, short files, and one home for each rule."""

import ast
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parent.parent / "api"
MAX_FILE_LINES = 400
MAX_TOP_LEVEL_MODULES = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(API.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in API.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every api module `path` imports, at any depth (a late import counts too)."""
    found: set[str] = set()
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # `from pkg import module` needs the module; `from pkg import name`, the package.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(path, modules) for name, path in modules.items()}
    # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer is
    # itself inside them (then they are already being initialised).
    for name, targets in graph.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        for target in list(targets):
            parts = target.split(".")
            targets.update({".".join(parts[:i]) for i in range(2, len(parts))} - own)
    for name in graph:
        graph[name].discard(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_api_takes_part_in_an_import_circle() -> None:
    assert _cycles(_graph()) == []


def test_the_top_level_of_api_holds_only_the_spine() -> None:
    top = sorted(p.name for p in API.glob("*.py"))
    assert len(top) < MAX_TOP_LEVEL_MODULES, top


@pytest.mark.parametrize("path", sorted(API.rglob("*.py")), ids=lambda p: str(p.relative_to(API)))
def test_no_file_is_longer_than_the_limit(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_FILE_LINES


def _definitions(pattern: str) -> list[str]:
    rx = re.compile(pattern, re.M)
    return sorted(
        str(p.relative_to(API)) for p in API.rglob("*.py") if rx.search(p.read_text("utf-8"))
    )


@pytest.mark.parametrize(
    ("rule", "pattern", "home"),
    [
        ("jurisdiction check", r"^def in_jurisdiction\(", "access/jurisdiction.py"),
        ("jurisdiction SQL filter", r"^def jurisdiction_filter\(", "access/jurisdiction.py"),
        ("ID check character", r"^def id_number_check_char\(", "validation/id_number.py"),
        ("ID check weights", r"^_?[A-Z_]*WEIGHTS\b", "validation/id_number.py"),
        ("registration time limit", r"^REGISTRATION_DAYS\b", "validation/time_limits.py"),
        ("mother_verified", r"^def _?verify_mothers?\(", "records/registries/births.py"),
        ("client scopes within department", r"DEPARTMENT_SCOPES\[", "access/accounts.py"),
        ("password policy", r"^MIN_PASSWORD_LENGTH\b", "access/accounts.py"),
        ("callers without a token", r"^def tokenless_access\(", "access/principal.py"),
        ("who sees ultrasound exams", r"def sees_ultrasounds\(", "access/principal.py"),
    ],
)
def test_each_rule_has_exactly_one_home(rule: str, pattern: str, home: str) -> None:
    assert _definitions(pattern) == [home], rule


def test_principals_are_built_only_by_the_access_package() -> None:
    builders = _definitions(r"\bPrincipal\(")
    assert all(path.startswith("access/") for path in builders), builders
