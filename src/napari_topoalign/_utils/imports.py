"""Optional dependencies: imported when first needed, with the extra that brings them named."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["optional_import"]


def optional_import(module: str, what: str, extra: str) -> ModuleType:
    """Import ``module``, or raise an ImportError saying that ``what`` needs it and which
    extra of napari-topoalign installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{what} needs the {module!r} package: pip install 'napari-topoalign[{extra}]'"
        ) from err
