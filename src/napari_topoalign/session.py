"""``Comparison``: the session that the console API and the widgets act on.

It holds, by name, the representations, their mapper graphs, the joint layout and the
correspondences between pairs of graphs. Each method runs one stage on what the earlier
stages stored; nothing is re-derived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._utils.progress import Cancelled, ProgressFn
from ._utils.validation import check_callable
from .model import Correspondence, Layout, MapperGraph, Representations

__all__ = ["Comparison", "Cancelled"]  # Cancelled lives in _utils.progress; re-exported here

#: the lens of a comparison when none is named: the first principal component of the
#: reference representation, shared by all (docs/mapper.md "Comparable graphs")
SHARED_LENS_DEFAULT = "pca1"


class TopologyResults(dict):
    """The layer-topology results of a session (a plain dict: ``"diagrams"``, ``"stages"``,
    ``"flows"``, ``"distances"``, ``"summary"``, ``"quality"``, ``"robustness"``,
    ``"params"``) that can also be called: ``cmp.topology(...)`` runs
    :meth:`Comparison.compute_topology` and returns the new results."""

    def __init__(self, session=None, data=()):
        super().__init__(data)
        import weakref

        self._session = None if session is None else weakref.ref(session)

    def __call__(self, *args, **kwargs) -> dict:
        session = None if self._session is None else self._session()
        if session is None:
            raise RuntimeError("topology: these results belong to no session")
        return session.compute_topology(*args, **kwargs)

    def __reduce__(self):  # a copy or pickle is a plain dict of the results
        return (dict, (dict(self),))


class Comparison:
    """A comparison of several representations of the same inputs.

    Parameters
    ----------
    representations : Representations or mapping of str to array
        The representations (a mapping is wrapped into :class:`Representations`).
    labels, texts, images : optional
        Passed to :class:`Representations` when a mapping is given.

    Examples
    --------
    >>> cmp = Comparison({"a": Xa, "b": Xb}, labels=y)      # doctest: +SKIP
    >>> cmp.build_mappers(n_intervals=12, overlap=0.4)       # doctest: +SKIP
    >>> cmp.align_layout()                                   # doctest: +SKIP
    >>> cmp.show(viewer)                                     # doctest: +SKIP
    """

    def __init__(self, representations, *, labels=None, texts=None, images=None, ids=None):
        if not isinstance(representations, Representations):
            representations = Representations(
                dict(representations), ids=ids, labels=labels, texts=texts, images=images
            )
        self.representations: Representations = representations
        self.graphs: dict[str, MapperGraph] = {}
        self.layout: Layout | None = None
        self.correspondences: dict[tuple[str, str], Correspondence] = {}
        self.mapper_params: dict[str, Any] = {}
        #: similarity matrices by measure key (``compute_scores``): pandas DataFrames
        self.scores: dict[str, Any] = {}
        #: layer topology (``topology``): diagrams, stages, flows, distances, quality, robustness
        self.topology: TopologyResults = TopologyResults(self)
        #: motif queries (``query_motif``) by key ``"motif: a vs b"``: MotifComparison / MotifResult
        self.motifs: dict[str, Any] = {}
        self._subscribers: list[Callable[[Comparison, str], Any]] = []

    # -- change notification ----------------------------------------------------------------
    def subscribe(self, callback: Callable[[Comparison, str], Any]) -> Callable[[], None]:
        """Call ``callback(comparison, what)`` after each stage that changes the session:
        ``what`` is ``"graphs"`` (:meth:`build_mappers`, :meth:`update_from`), ``"layout"``
        (:meth:`align_layout`, :meth:`layout_separately`) or ``"regions"``
        (:meth:`find_regions`). The callback runs in the thread that ran the stage. Returns a
        function that unsubscribes. (A viewer that shows the session subscribes, so that
        stages run from the console are drawn.)"""
        self._subscribers.append(callback)

        def unsubscribe():
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _changed(self, what: str) -> None:
        for callback in list(self._subscribers):
            callback(self, what)

    # -- helpers ----------------------------------------------------------------------------
    def copy(self) -> Comparison:
        """A new session on the same representations holding the same graphs, layout and
        correspondences (the containers are copied, the objects in them shared). A stage run
        on the copy leaves this session as it is; :meth:`update_from` takes its results."""
        new = Comparison(self.representations)
        new.update_from(self)
        return new

    def update_from(self, other: Comparison) -> None:
        """Take the graphs, layout, correspondences and mapper parameters of ``other`` (a
        :meth:`copy` of this session on which stages have run)."""
        if other.representations is not self.representations:
            raise ValueError("update_from: the other session holds other representations")
        self.graphs = dict(other.graphs)
        self.layout = other.layout
        self.correspondences = dict(other.correspondences)
        self.mapper_params = dict(other.mapper_params)
        self.scores = dict(getattr(other, "scores", {}))
        self.topology = TopologyResults(self, getattr(other, "topology", {}))
        self.motifs = dict(getattr(other, "motifs", {}))
        self._changed("graphs")

    @property
    def names(self) -> list[str]:
        return self.representations.names

    def _names(self, names: Iterable[str] | None, pool: Iterable[str], what: str) -> list[str]:
        pool = list(pool)
        if names is None:
            return pool
        if isinstance(names, str):
            names = [names]
        names = list(names)
        unknown = [n for n in names if n not in pool]
        if unknown and not pool and what == "graphs":
            raise ValueError(
                f"graphs: no mapper graphs yet (asked for {unknown}); call build_mappers() first"
            )
        if unknown:
            raise KeyError(f"{what}: unknown name(s) {unknown}; known: {pool}")
        return names

    def _pair(self, a: str | None, b: str | None) -> tuple[str, str]:
        names = list(self.graphs)
        if len(names) < 2:
            raise ValueError(
                f"need at least two mapper graphs, the session has {len(names)}; call build_mappers() first"
            )
        a = names[0] if a is None else a
        b = (names[1] if names[1] != a else names[0]) if b is None else b
        self._names([a, b], self.graphs, "graphs")
        if a == b:
            raise ValueError(f"graphs: compare two different graphs, got {a!r} twice")
        return a, b

    # -- stages -----------------------------------------------------------------------------
    def build_mappers(
        self,
        names=None,
        *,
        shared_lens: bool = True,
        lens_from: str | None = None,
        progress: ProgressFn | None = None,
        **mapper_params,
    ) -> dict[str, MapperGraph]:
        """Build one mapper graph per representation (all by default) with the same
        parameters (see :func:`napari_topoalign.build_mapper`). Labels of the representations
        are used for node purity. Returns the new graphs; they are also stored in
        :attr:`graphs`, replacing older graphs of the same names (and the layout and
        correspondences that involved them).

        By default every graph is built on **one lens shared by all representations**, so
        that a cover element holds the same inputs in every graph and nodes of different
        graphs can be compared (see docs/mapper.md, "Comparable graphs"):

        * ``lens`` a name or a callable (default ``"pca1"``): computed once, on the
          representation ``lens_from`` (default: the first of ``names``);
        * ``lens_from`` the name of a per-input attribute in
          ``representations.metadata`` (e.g. ``"zipf_frequency"``): that attribute is the lens;
        * ``lens`` an array: used as is for every representation.

        ``shared_lens=False`` computes the lens on each representation on its own (the
        graphs are then sliced by different functions of the inputs).
        """
        from ._utils.validation import check_bool
        from .mapper import build_mapper, compute_lens

        names = self._names(names, self.names, "names")
        progress = check_callable(progress, "progress", signature="progress(fraction, message)")
        shared_lens = check_bool(shared_lens, "shared_lens")
        mapper_params = dict(mapper_params)
        shared_info = None
        if shared_lens and names:
            mapper_params, shared_info = self._shared_lens(
                names, lens_from, mapper_params, compute_lens
            )
        elif lens_from is not None:
            raise ValueError("lens_from: only used with shared_lens=True")
        built: dict[str, MapperGraph] = {}
        for k, name in enumerate(names):
            sub = None
            if progress is not None:

                def sub(frac, msg, _k=k, _name=name):
                    return progress((_k + frac) / len(names), f"{_name}: {msg}")

            built[name] = build_mapper(
                self.representations[name],
                labels=self.representations.labels,
                progress=sub,
                name=name,
                **mapper_params,
            )
        if shared_info is not None:
            for g in built.values():
                g.params["shared_lens"] = dict(shared_info)
        # replace only after everything succeeded: a failure leaves the session as it was
        self.graphs.update(built)
        self.mapper_params = dict(mapper_params)
        if shared_info is not None:
            self.mapper_params.update(
                lens=shared_info["lens"], shared_lens=True, lens_from=shared_info["from"]
            )
        self.layout = None
        self.correspondences = {
            key: c
            for key, c in self.correspondences.items()
            if key[0] not in built and key[1] not in built
        }
        self._changed("graphs")
        return built

    def _shared_lens(self, names, lens_from, params, compute_lens):
        """``params`` with ``lens`` replaced by the one lens array shared by ``names``, and a
        record of where it came from."""
        # not named: the first principal component of the reference (measured on the digits and
        # MiniLM samples to depend less on which representation is the reference than the
        # L2 norm; docs/mapper.md "Comparable graphs")
        lens = params.get("lens", SHARED_LENS_DEFAULT)
        reps = self.representations
        if isinstance(lens, str) or callable(lens):
            if lens_from is None:
                lens_from = names[0]
            if not isinstance(lens_from, str):
                raise TypeError(
                    f"lens_from: expected a representation or attribute name, got {type(lens_from).__name__}"
                )
            if lens_from in reps.names:
                values = compute_lens(
                    reps[lens_from], lens, random_state=params.get("random_state")
                )
                info = {"lens": lens if isinstance(lens, str) else "custom", "from": lens_from}
            elif lens_from in reps.metadata:
                values = np.asarray(reps.metadata[lens_from], dtype=np.float64)
                info = {"lens": "attribute", "from": lens_from}
            else:
                raise KeyError(
                    f"lens_from: {lens_from!r} is neither a representation {reps.names} nor an "
                    f"attribute of the inputs {sorted(reps.metadata)}"
                )
        else:
            if lens_from is not None:
                raise ValueError(
                    "lens_from: not used when lens is an array (the array is the shared lens)"
                )
            values = lens
            info = {"lens": "array", "from": None}
        out = dict(params)
        out["lens"] = values
        return out, info

    def align_layout(
        self,
        names=None,
        *,
        progress: ProgressFn | None = None,
        callback: Callable | None = None,
        **params,
    ) -> Layout:
        """Lay out the graphs (all by default) jointly (see
        :func:`napari_topoalign.joint_layout` for ``params``) and keep the result in
        :attr:`layout`: positions with the panel offsets included, and the offsets, by graph
        name. ``callback(positions)`` receives intermediate positions (a list in the order of
        ``names``). A failure or a cancel leaves the old layout in place."""
        from .align import joint_layout

        names = self._names(names, self.graphs, "graphs")
        if not names:
            raise ValueError("no mapper graphs to lay out; call build_mappers() first")
        graphs = {n: self.graphs[n] for n in names}
        self.layout = joint_layout(graphs, progress=progress, callback=callback, **params)
        self._changed("layout")
        return self.layout

    def layout_separately(
        self,
        names=None,
        *,
        iterations: int | None = None,
        random_state=0,
        progress: ProgressFn | None = None,
    ) -> Layout:
        """Lay out each graph (all by default) on its own, with the engine of the joint
        layout but no cross-graph forces, side by side in panels, and keep the result in
        :attr:`layout` (``params["method"] == "separate"``). This is how freshly built
        graphs are first drawn; :meth:`align_layout` then aligns them."""
        from .align.layout import _panel_offsets, independent_layout

        progress = check_callable(progress, "progress", signature="progress(fraction, message)")
        names = self._names(names, self.graphs, "graphs")
        if not names:
            raise ValueError("no mapper graphs to lay out; call build_mappers() first")
        positions = []
        for k, name in enumerate(names):
            sub = None
            if progress is not None:

                def sub(frac, msg, _k=k, _name=name):
                    return progress((_k + frac) / len(names), f"{_name}: {msg}")

            xy = independent_layout(
                self.graphs[name], iterations=iterations, random_state=random_state, progress=sub
            )
            positions.append(xy - xy.mean(axis=0) if len(xy) else xy)
        offsets = _panel_offsets(positions, "side_by_side", 0.15)
        params = {
            "method": "separate",
            "arrangement": "side_by_side",
            "iterations": iterations,
            "random_state": random_state,
        }
        self.layout = Layout(
            {n: p + o for n, p, o in zip(names, positions, offsets)},
            dict(zip(names, offsets)),
            params,
        )
        self._changed("layout")
        return self.layout

    def node_coupling(self, a: str | None = None, b: str | None = None, **params):
        from .align import node_coupling

        a, b = self._pair(a, b)
        return node_coupling(self.graphs[a], self.graphs[b], **params)

    def find_regions(
        self,
        a: str | None = None,
        b: str | None = None,
        *,
        progress: ProgressFn | None = None,
        **params,
    ):
        """Find the structurally matching regions between graphs ``a`` and ``b`` (the first
        two graphs by default; see :func:`napari_topoalign.find_matching_regions`) and keep
        them in :attr:`correspondences`."""
        from .align import find_matching_regions, node_coupling

        if len(self.graphs) < 2:
            raise ValueError(
                f"find_regions: needs two mapper graphs, the session holds {len(self.graphs)}; "
                "call build_mappers() first"
            )
        a, b = self._pair(a, b)
        regions = find_matching_regions(
            self.graphs[a], self.graphs[b], progress=progress, **params
        )
        coupling = node_coupling(self.graphs[a], self.graphs[b])
        self.correspondences[(a, b)] = Correspondence(a, b, coupling, list(regions), dict(params))
        self._changed("regions")
        return regions

    def query_motif(
        self,
        motif="loop",
        a: str | None = None,
        b: str | None = None,
        *,
        progress: ProgressFn | None = None,
        **params,
    ):
        """Find a motif in graphs ``a`` and ``b`` (the first two graphs by default) and compare
        its instances (see :func:`napari_topoalign.compare_motifs`); with ``b=False`` only
        graph ``a`` is searched (:func:`napari_topoalign.find_motifs`). The result (a
        ``MotifComparison``, or a ``MotifResult`` for one graph) is kept in :attr:`motifs`
        under ``"<motif>: <a> vs <b>"`` (``"<motif>: <a>"``) and returned."""
        from .align.motifs import MotifComparison, compare_motifs, find_motifs

        label = motif if isinstance(motif, str) else "pattern"
        if b is False:
            if a is None:
                if not self.graphs:
                    raise ValueError("query_motif: no mapper graphs; call build_mappers() first")
                a = next(iter(self.graphs))
            a = self._names([a], self.graphs, "graphs")[0]
            result = find_motifs(self.graphs[a], motif, progress=progress, **params)
            key = f"{label}: {a}"
        else:
            a, b = self._pair(a, b)
            table, ra, rb = compare_motifs(
                self.graphs[a],
                self.graphs[b],
                motif,
                progress=progress,
                return_results=True,
                **params,
            )
            result = MotifComparison(label, a, b, ra, rb, table, dict(params))
            key = f"{label}: {a} vs {b}"
        self.motifs[key] = result
        return result

    def compute_scores(
        self, measure: str = "cka", names=None, *, progress: ProgressFn | None = None, **params
    ):
        """The ``N x N`` matrix of a similarity ``measure`` over the representations (see
        :func:`napari_topoalign.similarity_matrix`), kept in :attr:`scores` under the measure's
        key (``"cka"``, or ``"cka(kernel=rbf)"`` with parameters) and returned."""
        from .metrics.matrix import score_key, similarity_matrix

        frame = similarity_matrix(
            self.representations, measure, names=names, progress=progress, **params
        )
        self.scores[score_key(measure, params)] = frame
        self._changed("scores")
        return frame

    def compute_topology(
        self,
        names=None,
        *,
        robustness: str | None = None,
        robustness_levels=None,
        progress: ProgressFn | None = None,
        **params,
    ) -> dict:
        """Persistent homology of every representation (all by default, in order; see
        :func:`napari_topoalign.topology.layer_topology` for ``params``): diagrams, stages,
        cluster flows, diagram distances and cluster quality, kept in :attr:`topology` and
        returned. ``robustness`` (a perturbation of
        :data:`napari_topoalign.topology.robustness.PERTURBATIONS`: ``"noise"``,
        ``"quantize"``, ``"pca"``) adds its curves under ``topology["robustness"][kind]``.
        A failure or a cancel leaves :attr:`topology` as it was."""
        from ._utils.progress import sub_progress
        from .topology import layer_topology, representation_robustness

        names = self._names(names, self.names, "names")
        reps = {n: self.representations[n] for n in names}
        labels = self.representations.labels
        result = layer_topology(
            reps,
            labels,
            progress=sub_progress(progress, 0.0, 0.6 if robustness else 1.0),
            **params,
        )
        result["robustness"] = dict(self.topology.get("robustness", {}))
        if robustness is not None:
            result["robustness"][robustness] = representation_robustness(
                reps,
                labels,
                kind=robustness,
                levels=robustness_levels,
                random_state=params.get("random_state", 0),
                progress=sub_progress(progress, 0.6, 1.0, "robustness"),
            )
        self.topology = TopologyResults(self, result)
        self._changed("topology")
        return result

    def show(self, viewer=None):
        """Draw everything held so far into a napari viewer (a new one if none is given)."""
        from .viewer import show_comparison

        return show_comparison(self, viewer)

    def figure(self, path=None, **params):
        """A publication figure of the comparison (matplotlib): one titled panel per graph,
        the matching regions, a legend; saved to ``path`` (``.png`` at ``dpi``, ``.svg``,
        ``.pdf``) when given. See :func:`napari_topoalign.figure.comparison_figure`."""
        from .figure import comparison_figure

        return comparison_figure(self, path, **params)

    def positions(self, name: str) -> np.ndarray | None:
        """Current node positions of graph ``name`` (from the joint layout), or None."""
        if self.layout is not None and name in self.layout.positions:
            return self.layout.positions[name]
        return None

    def save(self, path, *, representations: str = "embed", **kwargs):
        """Save the session to one file (``.topoalign``: a versioned zip of ``.npy`` arrays
        and JSON, no pickle), atomically; ``representations="reference"`` stores the path and
        checksum of the file they were read from instead of the arrays. Returns the path.
        See :func:`napari_topoalign.io.session_file.save_session`."""
        from .io.session_file import save_session

        return save_session(self, path, representations=representations, **kwargs)

    @classmethod
    def load(cls, path, **kwargs) -> Comparison:
        """A session saved by :meth:`save` (checked: schema version, every part's checksum,
        a referenced file's checksum). See :func:`napari_topoalign.io.session_file.load_session`."""
        from .io.session_file import load_session

        return load_session(path, **kwargs)

    def __repr__(self) -> str:
        return (
            f"Comparison({self.representations!r}; graphs: {list(self.graphs)}; "
            f"layout: {'yes' if self.layout else 'no'}; correspondences: {list(self.correspondences)})"
        )
