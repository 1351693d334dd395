"""Viewer tests need napari, Qt and an X server with OpenGL (scripts/test.sh runs them under
Xvfb with Mesa). Without napari or a Qt binding every module here is skipped cleanly at
collection, whatever it imports at its top (each module also starts with
``pytest.importorskip("napari")``)."""

from __future__ import annotations

import importlib.util

import pytest


def _missing() -> str | None:
    for mod in ("napari", "qtpy"):
        try:
            if importlib.util.find_spec(mod) is None:
                return mod
        except (ImportError, ValueError):
            return mod
    return None


_MISSING = _missing()
if _MISSING is not None:
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config):
    if _MISSING is not None:
        return f"viewer tests skipped: {_MISSING} is not installed"
    return None


@pytest.fixture(autouse=True)
def _no_viewer_without_napari():
    if _MISSING is not None:  # pragma: no cover - modules are not collected then
        pytest.skip(f"{_MISSING} is not installed")


@pytest.fixture
def bubble_sets_threads(monkeypatch):
    """Every Bubble Sets computation of the viewer, as whether it ran on the GUI thread."""
    import threading

    from napari_topoalign.viewer import _regions_layers

    calls = []
    real = _regions_layers.bubble_sets

    def bubble_sets(*args, **kwargs):
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(_regions_layers, "bubble_sets", bubble_sets)
    return calls
