"""The web kit knows no room, and only pages import the web kit (docs/decisions/0008-i18n-and-pages.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import osms

SRC = Path(osms.__file__).parent
ROOMS = ("registry", "contributions", "coverage", "benefits", "attachment", "audit")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_kit_imports_no_room() -> None:
    for path in (SRC / "web").rglob("*.py"):
        named = {m for m in imports(path) if m.split(".")[:2] in (["osms", r] for r in ROOMS)}
        assert not named, f"{path.relative_to(SRC)} imports {sorted(named)}"


def test_only_pages_and_the_app_import_the_kit() -> None:
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        # a room's pages: pages.py, or several page sets named *_pages.py (the claims room's)
        pages = relative.name == "pages.py" or relative.name.endswith("_pages.py")
        if relative.parts[0] == "web" or pages or relative == Path("app.py"):
            continue
        web = {m for m in imports(path) if m == "osms.web" or m.startswith("osms.web.")}
        assert not web, f"{relative} imports {sorted(web)}"
