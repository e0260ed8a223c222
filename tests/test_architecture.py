"""The layering of docs/architecture.md, checked on the source: only the engine modules import
an index library, and only the shells (app, api, web, cli) import Flask or Click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "newsearch"
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def is_engine_module(path: Path) -> bool:
    return path.parent.name == "engine" and path.name.endswith("_engine.py")


def is_shell(path: Path) -> bool:
    rel = relative(path)
    return rel in {"newsearch/app.py", "newsearch/cli.py"} or rel.startswith(
        ("newsearch/api/", "newsearch/web/"))


def test_the_package_was_found() -> None:
    assert len(MODULES) > 20
    assert any(is_engine_module(p) for p in MODULES) and any(is_shell(p) for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_only_engine_modules_import_an_index_library(path: Path) -> None:
    if not is_engine_module(path):
        assert not imported_roots(path) & {"whoosh", "tantivy"}


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_only_the_shells_import_flask_or_click(path: Path) -> None:
    if not is_shell(path):
        assert not imported_roots(path) & {"flask", "click", "werkzeug"}
