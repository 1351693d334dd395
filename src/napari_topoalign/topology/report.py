"""One call for the whole layer-topology view of a set of layers (what
:meth:`napari_topoalign.Comparison.topology` runs and keeps)."""

from __future__ import annotations

import numpy as np

from .._utils.params import Param, declare_params
from .._utils.progress import check_progress, report, sub_progress
from .._utils.validation import check_array, check_int
from .clusters import cluster_flow, cluster_quality, cluster_stages
from .diagrams import METRICS, diagram_distances, persistence

__all__ = ["layer_topology"]


@declare_params(
    maxdim=Param(
        1, "int", low=0, high=2, help="highest homology dimension (H0 exact; H1 by ripser)"
    ),
    metric=Param("euclidean", "choice", choices=list(METRICS), help="distance between inputs"),
    n_landmarks=Param(
        500,
        "int",
        low=2,
        high=5000,
        none_ok=True,
        help="farthest-point landmarks of H1 (None: all inputs)",
    ),
    n_intermediate=Param(
        2, "int", low=0, high=20, help="stages between the labels stage and one cluster"
    ),
    min_size=Param(
        None, "int", low=1, none_ok=True, help="smallest cluster drawn (None: 1% of the inputs)"
    ),
    normalize=Param(True, "bool", help="diagram distances on diagrams divided by their H0 scale"),
    random_state=Param(0, "int", low=0, none_ok=True, help="seed of the landmarks and samples"),
    representatives=Param(True, "bool", help="keep the inputs of each H1 bar (ripser's cocycles)"),
)
def layer_topology(
    representations: dict,
    labels=None,
    *,
    maxdim: int = 1,
    metric: str = "euclidean",
    n_landmarks: int | None = 500,
    n_intermediate: int = 2,
    min_size: int | None = None,
    normalize: bool = True,
    random_state=0,
    representatives: bool = True,
    progress=None,
) -> dict:
    """Persistence diagrams, stages, cluster flows, diagram distances and cluster quality of
    the layers ``representations`` (an ordered dict name -> array, same inputs).

    Returns a dict of plain parts (stored as is on the session):

    - ``"diagrams"``: name -> :class:`Diagrams`; ``"stages"``: name -> :class:`Stages`;
    - ``"flows"``: stage -> :class:`Sankey` across the layers in order (the stages every
      layer has: ``"fine"``, ``"labels"`` with labels, ``"mid1"``.., ``"one"``);
    - ``"distances"``: ``"bottleneck_H0"``, ``"wasserstein_H0"`` (and ``_H1``) -> DataFrame;
    - ``"summary"``: DataFrame of the diagram summaries per layer;
    - ``"quality"``: DataFrame of :func:`cluster_quality` (with labels);
    - ``"params"``: the parameters used.
    """
    import pandas as pd

    if not isinstance(representations, dict) or not representations:
        raise ValueError("representations: expected a non-empty dict name -> array")
    progress = check_progress(progress)
    names = list(representations)
    arrays = {
        name: check_array(representations[name], f"representations[{name!r}]", min_rows=2)
        for name in names
    }
    n = arrays[names[0]].shape[0]
    for name in names:
        if arrays[name].shape[0] != n:
            raise ValueError(
                f"representations[{name!r}]: has {arrays[name].shape[0]} rows, "
                f"{names[0]!r} has {n}: layers must describe the same inputs"
            )
    if n_landmarks is not None:
        n_landmarks = check_int(n_landmarks, "n_landmarks", minimum=2)
        n_landmarks = min(n_landmarks, n)
    diagrams, stages = {}, {}
    for j, name in enumerate(names):
        sub = sub_progress(progress, 0.8 * j / len(names), 0.8 * (j + 1) / len(names), name)
        diagrams[name] = persistence(
            arrays[name],
            maxdim=maxdim,
            metric=metric,
            n_landmarks=n_landmarks if maxdim else None,
            random_state=random_state,
            representatives=representatives,
            progress=sub,
        )
        stages[name] = cluster_stages(
            diagrams[name], labels, n_intermediate=n_intermediate, min_size=min_size
        )
    report(progress, 0.8, "cluster flows")
    common = [s for s in stages[names[0]].names if all(s in stages[m].labels for m in names)]
    flows = {
        s: cluster_flow({m: stages[m][s] for m in names}, labels, min_size=min_size, stage=s)
        for s in common
    }
    report(progress, 0.85, "diagram distances")
    distances = {}
    for dim in range(maxdim + 1):
        for kind in ("bottleneck", "wasserstein"):
            distances[f"{kind}_H{dim}"] = diagram_distances(
                diagrams, dim=dim, kind=kind, normalize=normalize
            )
    summary = pd.DataFrame(
        [
            dict(
                layer=m, **diagrams[m].summary(), bound=diagrams[m].bound, scale=diagrams[m].scale
            )
            for m in names
        ]
    ).set_index("layer")
    out = {
        "diagrams": diagrams,
        "stages": stages,
        "flows": flows,
        "distances": distances,
        "summary": summary,
    }
    if labels is not None and np.unique(np.asarray(labels)).size >= 2:
        report(progress, 0.92, "cluster quality")
        out["quality"] = cluster_quality(
            arrays, labels, stages=stages, diagrams=diagrams, random_state=random_state
        )
    out["params"] = {
        "maxdim": maxdim,
        "metric": metric,
        "n_landmarks": n_landmarks,
        "n_intermediate": n_intermediate,
        "min_size": min_size,
        "normalize": normalize,
        "random_state": random_state,
        "layers": names,
    }
    report(progress, 1.0, "layer topology")
    return out
