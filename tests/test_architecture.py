"""The layers of the house (README, Architecture): imports go one way, files stay small.

fem's core modules import only the core; each physics subpackage imports the
core and itself; fem.coupling may import every physics subpackage; nothing in
fem/ imports geometries/ or studies/, and geometries/ reads only fem's core
(marker table, mesh I/O, validation), never its physics.  Checked on the source text (ast), so it needs no DOLFINx.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY_PACKAGES = ("fem", "geometries", "studies")
MAX_LIBRARY_LINES = 800
PHYSICS_SUBPACKAGES = tuple(
    p.name for p in (ROOT / "fem").iterdir() if (p / "__init__.py").exists() and p.name != "coupling"
)


def _imported_modules(path: Path) -> set[str]:
    """Absolute module names that ``path`` imports (``from a.b import c`` gives a.b and a.b.c)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _layer(module: str) -> str:
    """'core', a subpackage name of fem, or the top-level package."""
    parts = module.split(".")
    if parts[0] != "fem":
        return parts[0]
    return parts[1] if len(parts) > 2 and (ROOT / "fem" / parts[1]).is_dir() else "core"


def _allowed(importer: str, imported: str) -> bool:
    """May module ``importer`` import module ``imported``?"""
    top = imported.split(".")[0]
    if top not in LIBRARY_PACKAGES:
        return True  # third-party or standard library
    src, dst = _layer(importer), _layer(imported)
    if importer.startswith("fem."):
        if top != "fem":
            return False
        return dst in ("core", src) or (src == "coupling" and dst in PHYSICS_SUBPACKAGES)
    if importer.startswith("geometries."):
        return top == "geometries" or dst == "core"
    return True  # studies may import everything


def _library_files() -> list[Path]:
    return sorted(p for package in LIBRARY_PACKAGES for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    importer = _module_name(path)
    wrong = sorted(m for m in _imported_modules(path) if not _allowed(importer, m))
    assert not wrong, f"{importer} imports across the layers: {wrong}"


def test_layer_rule_rejects_upward_imports() -> None:
    """The rule itself: the imports the issue forbids are caught."""
    assert not _allowed("fem.electrochemistry.porous_electrode", "geometries.markers")
    assert not _allowed("fem.mechanics.problem", "studies._report")
    assert not _allowed("fem.solvers", "fem.mechanics.problem")
    assert not _allowed("fem.mechanics.contact", "fem.coupling.stripping")
    assert not _allowed("geometries.porous", "fem.electrochemistry.current")
    assert _allowed("fem.coupling.stripping", "fem.mechanics")
    assert _allowed("geometries.planar", "fem.markers")
    assert _allowed("geometries.planar", "fem.validation")


def test_no_library_file_above_the_size_limit() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _library_files()}
    too_long = {name: n for name, n in sizes.items() if n > MAX_LIBRARY_LINES}
    assert not too_long, f"library files above {MAX_LIBRARY_LINES} lines: {too_long}"
