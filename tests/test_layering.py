"""The import graph points one way (issue 11).

Built from the source with ``ast``, every ``import`` counted wherever it is written — at module
level, under ``TYPE_CHECKING`` or inside a function: an import moved into a function still makes
the two modules depend on each other, it only hides the cycle from the interpreter. The one edge
left out is the application factory (``from app import create_app``), which entry points such as
the RQ job use to build an app.

The layers: ``app/core`` (errors, formatting, database helpers) imports nothing else of the app;
``app/rules`` (the rules format) imports neither the engine nor the models; ``app/workflow`` (the
engine) is plain Python, with no models, Flask or SQLAlchemy; ``models`` import no application
state, only ``app/core`` and the rules format.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "views", "models")
FACTORY = "app"   # the package whose __init__ is create_app


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@lru_cache(maxsize=None)
def _sources() -> dict[str, tuple[Path, bool]]:
    """module name -> (file, is a package)"""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = (path, path.name == "__init__.py")
    return found


def _resolve(name: str) -> str | None:
    """The module of ours that ``name`` (a module, or a module's attribute) lives in."""
    modules = _sources()
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


@lru_cache(maxsize=None)
def imports() -> dict[str, dict[str, set[str]]]:
    """module -> {imported module of ours: names}; ``"<external>"`` keys list third-party roots."""
    graph: dict[str, dict[str, set[str]]] = {}
    for module, (path, is_package) in _sources().items():
        package = module if is_package else module.rpartition(".")[0]
        edges: dict[str, set[str]] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _resolve(alias.name)
                    if target is None:
                        edges.setdefault("<external>", set()).add(alias.name.split(".")[0])
                    elif target != module:
                        edges.setdefault(target, set()).add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    target = full if full in _sources() else _resolve(source)
                    if target is None:
                        edges.setdefault("<external>", set()).add(source.split(".")[0])
                    elif target != module and not (target == FACTORY and alias.name == "create_app"):
                        edges.setdefault(target, set()).add(alias.name)
        graph[module] = edges
    return graph


def cycles(modules=None) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), within ``modules``."""
    graph = imports()
    nodes = sorted(modules if modules is not None else graph)
    keep = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in keep:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return found


def describe(components: list[list[str]]) -> str:
    graph = imports()
    lines = []
    for component in components:
        lines.append("cycle: " + ", ".join(component))
        for source in component:
            for target, names in sorted(graph[source].items()):
                if target in component:
                    lines.append(f"  {source} -> {target}: {', '.join(sorted(names))}")
    return "\n".join(lines)


def within(*prefixes: str) -> list[str]:
    return [m for m in imports() if any(m == p or m.startswith(p + ".") for p in prefixes)]


def reachable(start: list[str]) -> dict[str, str]:
    """Every module of ours reachable from ``start``: module -> the module that first imported it."""
    graph = imports()
    seen = {module: module for module in start}
    todo = list(start)
    while todo:
        source = todo.pop()
        for target in graph[source]:
            if target != "<external>" and target not in seen:
                seen[target] = source
                todo.append(target)
    return seen


def _outside(reached: dict[str, str], allowed: tuple[str, ...]) -> list[str]:
    return sorted(f"{via} -> {module}" for module, via in reached.items()
                  if not any(module == a or module.startswith(a + ".") for a in allowed))


def test_the_graph_sees_the_project():
    graph = imports()
    assert {"app", "app.rules.model", "app.workflow.engine", "models.application", "views.api"} <= set(graph)
    assert "app.workflow.fields" in graph["app.workflow.engine"]          # module level
    assert "app.commands.rules.state" in graph["app"]                     # inside create_app's steps
    assert "app" not in graph["app.outbox.rq"]                            # the factory is left out


def test_no_import_cycle_among_the_modules():
    """No two modules import each other, directly or through others."""
    found = cycles()
    assert not found, describe(found)


def test_no_import_cycle_among_the_portal_modules():
    found = cycles(within("app.portal"))
    assert not found, describe(found)


def test_no_import_cycle_among_the_rules_format_and_the_engine():
    found = cycles(within("app.rules", "app.workflow"))
    assert not found, describe(found)


def test_the_core_imports_nothing_else_of_the_app():
    outside = _outside(reachable(within("app.core")), ("app.core",))
    assert not outside, "\n".join(outside)


def test_the_rules_format_imports_neither_the_engine_nor_models():
    outside = _outside(reachable(within("app.rules")), ("app.rules", "app.core"))
    assert not outside, "\n".join(outside)


def test_the_engine_imports_no_models_and_no_application_state():
    outside = _outside(reachable(within("app.workflow")), ("app.workflow", "app.rules", "app.core"))
    assert not outside, "\n".join(outside)


def test_the_engine_is_plain_python():
    graph = imports()
    web = {"flask", "flask_appbuilder", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug"}
    found = sorted(f"{module}: {', '.join(sorted(graph[module].get('<external>', set()) & web))}"
                   for module in within("app.workflow") if graph[module].get("<external>", set()) & web)
    assert not found, "\n".join(found)


def test_models_import_no_application_state():
    """Models import each other, app/core and the rules format; never the running app's state."""
    graph = imports()
    found = sorted(f"{module} -> {target}" for module in within("models") for target in graph[module]
                   if target != "<external>" and not target.startswith(("models", "app.core", "app.rules")))
    assert not found, "\n".join(found)


def test_no_cycle_between_the_rules_format_the_engine_and_models():
    """Package level: models reach neither the engine nor back into themselves through app code."""
    reached = reachable(within("models"))
    outside = _outside(reached, ("models", "app.core", "app.rules", "app.workflow"))
    assert not outside, "\n".join(outside)
    assert not [m for m in reachable(within("app.workflow")) if m.startswith("models")]


def test_documents_and_security_do_not_reach_into_the_portal():
    """The portal is a top layer like the views: documents (signing keys) and web security share
    what they need with it from below (e.g. ``app/security/passwords.py``), never by importing it."""
    graph = imports()
    found = sorted(f"{module} -> {target}" for module in within("app.documents", "app.security")
                   for target in graph[module] if target.startswith("app.portal"))
    assert not found, "\n".join(found)
