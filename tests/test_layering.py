"""The layering the design promises, enforced.

1. import-linter contracts in pyproject.toml ([tool.importlinter]): the domain layers
   (api -> labels | tariffs -> footprint -> lcidb), the doors (HTTP routes, web pages, CLI) never
   importing the domain's function modules, the ORM models or the session helpers, and no door
   importing another door.
2. What import-linter cannot see: a package re-exports its functions (`from labels import evaluate`
   is an import of the package `labels`, which the contract must allow for its types). So every
   name a door imports from a domain package must be a type (a class: pydantic model, enum, error)
   or a constant, never a function.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("footprint", "labels", "tariffs", "lcidb")
DOORS = ("api/http/routes", "api/web", "api/cli")
# Domain functions a door may call because they are the door's own work (parse, render), not a use case.
DOOR_WORK = {
    ("footprint.strict_json", "loads_strict"): "strict JSON parsing of a file the user gave (the domain's parser)",
}


def test_import_contracts_are_kept() -> None:
    from importlinter.application import output, use_cases
    from importlinter.configuration import configure

    configure()  # what the lint-imports command does first: the config readers and the import-graph builder
    # lint-imports' own report (which contract broke, which import, which line), captured for the failure
    with output.console.capture() as captured:
        passed = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    report = captured.get()
    assert "Contracts:" in report and " kept" in report, report
    if passed is not use_cases.SUCCESS:
        pytest.fail(report[report.find("Broken contracts"):] or report, pytrace=False)


def test_the_contracts_would_catch_a_violation() -> None:
    """The same machinery, with a contract the code breaks on purpose (routes do import the use
    cases), reports it broken: a kept contract above is not an artefact of a misread configuration."""
    from importlinter.application import use_cases
    from importlinter.application.user_options import UserOptions
    from importlinter.configuration import configure

    configure()
    options = UserOptions(
        session_options={"root_packages": ["api", "footprint", "labels", "tariffs", "lcidb"]},
        contracts_options=[{"id": "probe", "name": "probe", "type": "forbidden", "source_modules": ["api.http.routes"],
                            "forbidden_modules": ["api.usecases"], "allow_indirect_imports": "true"}],
    )
    report = use_cases.create_report(options, cache_dir=None)
    assert report.contains_failures


def _door_files() -> list[Path]:
    files: list[Path] = []
    for door in DOORS:
        path = ROOT / door
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _domain_names(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, module, name) of every `from <domain...> import name` in a file, at any depth."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in DOMAIN:
                found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DOMAIN:
                    found.append((node.lineno, alias.name, "*module*"))
    return found


def _is_type_or_constant(module: str, name: str) -> bool:
    if (module, name) in DOOR_WORK:
        return True
    if name == "*module*":
        return False  # `import labels.evaluate` gives the door every function in it
    target = importlib.import_module(module)
    value = getattr(target, name, None)
    if value is None:  # a submodule imported by name (`from lcidb import errors`)
        try:
            value = importlib.import_module(f"{module}.{name}")
        except ImportError:
            return False
    if inspect.ismodule(value):
        return False
    if inspect.isclass(value):
        return True
    # type aliases (Literal[...], Annotated[...]) and plain data constants are allowed; callables are not
    return not callable(value) or type(value).__module__ == "typing"


@pytest.mark.parametrize("path", _door_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doors_import_only_domain_types_and_errors(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"{path.relative_to(ROOT)}:{line}: from {module} import {name}"
        for line, module, name in _domain_names(tree)
        if not _is_type_or_constant(module, name)
    ]
    assert not bad, "a door imports a domain function; call a use case in api/usecases instead:\n" + "\n".join(bad)


def test_the_checks_would_catch_a_violation() -> None:
    """The AST check flags a function and a module and lets a model and an error through."""
    tree = ast.parse("from labels import evaluate, LabelsError\nfrom footprint.result import FootprintResult\n"
                     "import tariffs.report\n")
    verdicts = {(m, n): _is_type_or_constant(m, n) for _, m, n in _domain_names(tree)}
    assert verdicts == {
        ("labels", "evaluate"): False,
        ("labels", "LabelsError"): True,
        ("footprint.result", "FootprintResult"): True,
        ("tariffs.report", "*module*"): False,
    }


# A session is passed through (its type is fine); a query is built only in api/usecases.
SQLALCHEMY_TYPES = {("sqlalchemy.orm", "Session")}


@pytest.mark.parametrize("path", _door_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doors_build_no_queries(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy":
            bad += [f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {a.name}"
                    for a in node.names if (node.module, a.name) not in SQLALCHEMY_TYPES]
        elif isinstance(node, ast.Import):
            bad += [f"{path.relative_to(ROOT)}:{node.lineno}: import {a.name}"
                    for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
    assert not bad, "a door builds a query; ask a use case in api/usecases (e.g. api.usecases.records):\n" + "\n".join(bad)
