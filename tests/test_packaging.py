"""Packaging habits: lazy names visible to editors, the core free of viewer-only and
test-only dependencies, py.typed shipped."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "napari_topoalign"
PACKAGES = [
    "__init__.py",
    "align/__init__.py",
    "shapes/__init__.py",
    "metrics/__init__.py",
    "topology/__init__.py",
]


def _lazy_and_checked(path: Path):
    tree = ast.parse(path.read_text())
    lazy, checked = {}, set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_LAZY":
            lazy = ast.literal_eval(node.value)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom):
                    checked |= {(a.name, "." + (imp.module or "")) for a in imp.names}
    return lazy, checked


@pytest.mark.parametrize("init", PACKAGES)
def test_type_checking_block_lists_every_lazy_name(init):
    lazy, checked = _lazy_and_checked(SRC / init)
    assert lazy, f"{init}: no _LAZY mapping"
    missing = {(k, v) for k, v in lazy.items()} - checked
    assert not missing, (
        f"{init}: add these lazy names to the TYPE_CHECKING block: {sorted(missing)}"
    )


def test_py_typed_is_shipped():
    assert (SRC / "py.typed").exists()
    text = (SRC.parents[1] / "pyproject.toml").read_text()
    assert '"py.typed"' in text


def test_core_imports_no_viewer_or_test_dependency():
    # a fresh interpreter: the core stages import neither napari, Qt, magicgui nor kmapper
    code = (
        "import sys, numpy as np\n"
        "import napari_topoalign as nt\n"
        "X = np.random.default_rng(0).normal(size=(120, 4))\n"
        "g = nt.build_mapper(X, random_state=0)\n"
        "nt.bubble_set(np.random.default_rng(1).normal(size=(10, 2)), [0, 1, 2])\n"
        "nt.Comparison({'a': X, 'b': X + 1})\n"
        "bad = [m for m in ('napari', 'qtpy', 'PyQt6', 'PyQt5', 'magicgui', 'kmapper') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_core_module_imports_kmapper_at_top_level():
    for path in SRC.rglob("*.py"):
        if "viewer" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for n in names:
                assert not n.startswith(("kmapper", "napari", "qtpy", "PyQt", "magicgui")), (
                    f"{path}: imports {n}"
                )
