"""Which :class:`~napari_topoalign.Comparison` a viewer works on.

The session travels with the data: the sample, the reader and :func:`show_comparison` put it
in the ``metadata`` of the layers they create (key :data:`METADATA_KEY`), so a session is never
held only by a widget and is never lost when a widget closes. :func:`get_comparison` returns
the viewer's current session: the one last set with :func:`set_comparison`, or else the one of
the newest layer that carries one. A layer added later with another session (a second file
opened) makes that session current.
"""

from __future__ import annotations

import weakref

__all__ = ["METADATA_KEY", "get_comparison", "set_comparison", "layer_comparison"]

#: The layer metadata key that holds a Comparison.
METADATA_KEY = "topoalign_comparison"

_current: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_watched: weakref.WeakSet = weakref.WeakSet()


def layer_comparison(layer):
    """The Comparison carried by ``layer``'s metadata, or None."""
    meta = getattr(layer, "metadata", None) or {}
    return meta.get(METADATA_KEY)


def _watch(viewer) -> None:
    """Make the session of every layer added from now on the viewer's current one."""
    if viewer in _watched:
        return
    _watched.add(viewer)

    def on_inserted(event):
        cmp = layer_comparison(event.value)
        if cmp is not None:
            if _current.get(viewer) is not cmp:
                hint_next_step(cmp)
            _current[viewer] = cmp

    viewer.layers.events.inserted.connect(on_inserted)


_hinted: weakref.WeakSet = weakref.WeakSet()


def next_step(cmp) -> str:
    """What to do next with a session, in one sentence."""
    reps = cmp.representations
    if not cmp.graphs:
        return (
            f"napari-topoalign: {len(reps.names)} representation(s) of {reps.n_inputs} inputs opened. "
            "Next: Plugins > napari-topoalign > Build mapper graphs, then press Build."
        )
    if len(cmp.graphs) >= 2 and not cmp.correspondences:
        return (
            "napari-topoalign: next, Plugins > napari-topoalign > Joint layout aligns the graphs, "
            "Matching regions finds the parts that correspond."
        )
    return "napari-topoalign: click a node (select tool) or a table row to see its inputs."


def hint_next_step(cmp) -> None:
    """Show :func:`next_step` once per session as a napari notification."""
    try:
        if cmp in _hinted:
            return
        _hinted.add(cmp)
    except TypeError:  # pragma: no cover - not weak-referenceable
        pass
    from napari.utils.notifications import show_info

    show_info(next_step(cmp))


def set_comparison(viewer, comparison) -> None:
    """Make ``comparison`` the session the widgets of ``viewer`` act on."""
    _watch(viewer)
    _current[viewer] = comparison


def get_comparison(viewer):
    """The session of ``viewer``: the one set last, else the newest layer's, else None."""
    _watch(viewer)
    cmp = _current.get(viewer)
    if cmp is not None:
        return cmp
    for layer in reversed(list(viewer.layers)):
        cmp = layer_comparison(layer)
        if cmp is not None:
            _current[viewer] = cmp
            return cmp
    return None
