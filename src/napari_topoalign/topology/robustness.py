"""Robustness of the layer topology: perturb the representations (or the model) and measure
how the diagrams, the clusters, the mapper graphs and the matching regions change.

Perturbations of a representation (:data:`PERTURBATIONS`, a registry users extend):

- ``"noise"``: Gaussian noise, ``level`` times the representation's RMS feature spread;
- ``"quantize"``: uniform quantisation to ``level`` bits over the representation's range;
- ``"pca"``: projection on the first ``level`` principal components (reconstructed);

and of the digits MLP (:func:`compress_mlp`): magnitude pruning (``level``: share of the
weights of each matrix set to 0) and weight quantisation (``level`` bits, symmetric), with the
activations recomputed (:func:`mlp_activations`).

:func:`robustness_curves` measures, per layer and level, against the unperturbed layer:
the bottleneck distance of H0 (and H1), relative to the layer's one-cluster threshold; the
ARI between the clusterings of the same stage; the ARI of the labels stage against the
labels; and, with ``mapper_params``, the node count of the mapper graph and the share of the
inputs held by the matching regions between the original and the perturbed graph.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._utils.params import Param, Registry, declare_params
from .._utils.progress import check_progress, report, sub_progress
from .._utils.validation import (
    check_array,
    check_int,
    check_option,
    check_random_state,
    check_real,
)
from .clusters import cluster_stages
from .diagrams import diagram_distance, persistence

__all__ = [
    "PERTURBATIONS",
    "perturb",
    "compress_mlp",
    "mlp_activations",
    "robustness_curves",
    "representation_robustness",
    "model_robustness",
    "DEFAULT_LEVELS",
]

PERTURBATIONS = Registry("perturbation")

#: Default levels per perturbation (from none to strong).
DEFAULT_LEVELS = {
    "noise": (0.0, 0.05, 0.1, 0.2, 0.4, 0.8),
    "quantize": (16, 8, 6, 4, 3, 2),
    "pca": (64, 32, 16, 8, 4, 2),
    "prune": (0.0, 0.3, 0.5, 0.7, 0.9, 0.97),
    "quantize_weights": (16, 8, 6, 4, 3, 2),
}


@PERTURBATIONS.register("noise")
def _noise(X, level, rng):
    """Gaussian noise, level x RMS feature spread"""
    level = check_real(level, "level", low=0.0)
    spread = float(np.sqrt(np.mean(np.var(X, axis=0))))
    return X + rng.normal(scale=level * spread, size=X.shape) if level > 0 else X.copy()


@PERTURBATIONS.register("quantize")
def _quantize(X, level, rng):
    """uniform quantisation to level bits over the value range"""
    bits = check_int(level, "level", minimum=1, maximum=32)
    lo, hi = float(X.min()), float(X.max())
    if hi <= lo:
        return X.copy()
    steps = 2**bits - 1
    return lo + np.round((X - lo) / (hi - lo) * steps) / steps * (hi - lo)


@PERTURBATIONS.register("pca")
def _pca(X, level, rng):
    """projection on the first level principal components"""
    from sklearn.decomposition import PCA

    k = check_int(level, "level", minimum=1)
    if k >= min(X.shape):
        return X.copy()
    pca = PCA(n_components=k, random_state=rng.randint(2**31 - 1))
    return pca.inverse_transform(pca.fit_transform(X))


def perturb(X, kind: str, level, *, random_state=None) -> np.ndarray:
    """``X`` perturbed by the registered perturbation ``kind`` at ``level``."""
    X = check_array(X, "X")
    fn = PERTURBATIONS.get(kind)
    return np.asarray(fn(X, level, check_random_state(random_state)), dtype=np.float64)


# -- the digits MLP ---------------------------------------------------------------------------------
def compress_mlp(mlp, kind: str, level):
    """A copy of a fitted scikit-learn MLP with compressed weight matrices (biases kept):
    ``"prune"``: the ``level`` share of smallest-magnitude weights of each matrix set to 0;
    ``"quantize_weights"``: each matrix rounded to ``level``-bit symmetric uniform levels."""
    kind = check_option(kind, "kind", ["prune", "quantize_weights"])
    if not hasattr(mlp, "coefs_"):
        raise TypeError("mlp: expected a fitted scikit-learn MLP (with coefs_)")
    out = copy.deepcopy(mlp)
    coefs = []
    for W in mlp.coefs_:
        W = np.asarray(W, dtype=np.float64)
        if kind == "prune":
            share = check_real(level, "level", low=0.0, high=1.0)
            k = int(np.floor(share * W.size))
            V = W.copy()
            if k > 0:
                idx = np.argsort(np.abs(W), axis=None, kind="stable")[:k]
                V.flat[idx] = 0.0
        else:
            bits = check_int(level, "level", minimum=2, maximum=32)
            top = float(np.abs(W).max())
            q = 2 ** (bits - 1) - 1
            V = np.round(W / top * q) / q * top if top > 0 else W.copy()
        coefs.append(V)
    out.coefs_ = coefs
    return out


def mlp_activations(mlp, X) -> list[np.ndarray]:
    """The hidden-layer activations of a fitted scikit-learn MLP on inputs ``X``."""
    from sklearn.neural_network._base import ACTIVATIONS

    inplace = ACTIVATIONS[mlp.activation]  # scikit-learn's activations work in place
    h = check_array(X, "X")
    out = []
    for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
        h = h @ W + b
        inplace(h)
        out.append(h)
    return out


# -- measurement --------------------------------------------------------------------------------
def _region_share(graph_a, graph_b, n, random_state):
    from .. import find_matching_regions

    regions = find_matching_regions(graph_a, graph_b, n_permutations=0, random_state=random_state)
    held = (
        np.unique(np.concatenate([np.asarray(r.inputs) for r in regions]))
        if regions
        else np.zeros(0)
    )
    return len(regions), held.size / n


@declare_params(
    maxdim=Param(
        0, "int", low=0, high=1, help="1: also the bottleneck distance of H1 (on landmarks)"
    ),
    n_landmarks=Param(300, "int", low=10, high=5000, help="landmarks of H1"),
    stage=Param("labels", "str", help="clusters compared at this stage (fine without labels)"),
    random_state=Param(
        0, "int", low=0, none_ok=True, help="seed of the noise, landmarks and mapper"
    ),
)
def robustness_curves(
    base: dict,
    perturbed: Callable,
    levels,
    labels=None,
    *,
    maxdim: int = 0,
    n_landmarks: int = 300,
    stage: str = "labels",
    mapper_params: dict | None = None,
    random_state=0,
    kind: str = "",
    progress=None,
) -> pd.DataFrame:
    """Curves of change per layer of ``base`` (dict layer -> array) under ``perturbed(level)``
    (a callable returning the dict of perturbed layers) for each of ``levels``.

    Returns a DataFrame with one row per (layer, level): ``kind``, ``bottleneck_h0`` and
    (``maxdim=1``) ``bottleneck_h1``, both divided by the layer's one-cluster threshold;
    ``ari_stage`` (the clusters of ``stage`` before and after), ``ari_labels`` (after, against
    the labels); with ``mapper_params``: ``mapper_nodes`` (after / before) and
    ``region_share`` (share of the inputs in the matching regions between the graphs before
    and after) and ``n_regions``. Extra columns returned by ``perturbed`` in a key
    ``"_extra"`` (a dict of numbers, e.g. the accuracy) are added.
    """
    from sklearn.metrics import adjusted_rand_score

    if not isinstance(base, dict) or not base:
        raise ValueError("base: expected a non-empty dict layer -> array")
    levels = list(levels)
    if not levels:
        raise ValueError("levels: expected at least one level")
    progress = check_progress(progress)
    names = list(base)
    n = check_array(base[names[0]], f"base[{names[0]!r}]").shape[0]
    if stage == "labels" and labels is None:
        stage = "fine"
    rs = 0 if random_state is None else random_state
    ref = {}
    for j, name in enumerate(names):
        report(progress, 0.2 * j / len(names), f"reference {name}")
        X = check_array(base[name], f"base[{name!r}]")
        d = persistence(
            X, maxdim=maxdim, n_landmarks=min(n_landmarks, n) if maxdim else None, random_state=rs
        )
        st = cluster_stages(d, labels)
        g = None
        if mapper_params is not None:
            from .. import build_mapper

            g = build_mapper(X, labels=labels, **mapper_params)
        ref[name] = (d, st, g)
    rows = []
    for i, level in enumerate(levels):
        sub = sub_progress(
            progress,
            0.2 + 0.8 * i / len(levels),
            0.2 + 0.8 * (i + 1) / len(levels),
            f"level {level}",
        )
        report(sub, 0.0, "perturbing")
        out = dict(perturbed(level))
        extra = dict(out.pop("_extra", {}) or {})
        for j, name in enumerate(names):
            report(sub, j / len(names), name)
            d0, st0, g0 = ref[name]
            X1 = check_array(out[name], f"perturbed({level!r})[{name!r}]")
            d1 = persistence(
                X1,
                maxdim=maxdim,
                n_landmarks=min(n_landmarks, n) if maxdim else None,
                random_state=rs,
            )
            st1 = cluster_stages(d1, labels)
            scale = d0.scale or 1.0
            row = {"layer": name, "kind": kind, "level": level}
            row["bottleneck_h0"] = diagram_distance(d0, d1, dim=0, max_points=None)[0] / scale
            if maxdim >= 1:
                row["bottleneck_h1"] = diagram_distance(d0, d1, dim=1, max_points=None)[0] / scale
            s = stage if stage in st1.labels and stage in st0.labels else "fine"
            row["ari_stage"] = float(adjusted_rand_score(st0[s], st1[s]))
            row["ari_labels"] = (
                float(adjusted_rand_score(labels, st1[s])) if labels is not None else np.nan
            )
            if g0 is not None:
                from .. import build_mapper

                g1 = build_mapper(X1, labels=labels, **mapper_params)
                row["mapper_nodes"] = g1.n_nodes / max(1, g0.n_nodes)
                row["n_regions"], row["region_share"] = _region_share(g0, g1, n, rs)
            row.update(extra)
            rows.append(row)
    report(progress, 1.0, "robustness")
    return pd.DataFrame(rows)


@declare_params(
    kind=Param(
        "noise", "choice", choices=PERTURBATIONS.names, help="perturbation of the representations"
    ),
)
def representation_robustness(
    representations: dict,
    labels=None,
    *,
    kind: str = "noise",
    levels=None,
    random_state=0,
    progress=None,
    **params,
) -> pd.DataFrame:
    """:func:`robustness_curves` of perturbation ``kind`` applied to every representation
    (``levels`` default to :data:`DEFAULT_LEVELS`)."""
    fn = PERTURBATIONS.get(kind)
    levels = DEFAULT_LEVELS.get(kind) if levels is None else levels
    if levels is None:
        raise ValueError(f"levels: give the levels of the perturbation {kind!r}")
    rs = check_random_state(random_state)
    seed = int(rs.randint(2**31 - 1))

    def perturbed(level):
        return {
            name: np.asarray(
                fn(check_array(X, name), level, np.random.RandomState(seed)), dtype=np.float64
            )
            for name, X in representations.items()
        }

    return robustness_curves(
        dict(representations),
        perturbed,
        levels,
        labels,
        random_state=random_state,
        kind=kind,
        progress=progress,
        **params,
    )


def model_robustness(
    mlp,
    inputs,
    labels=None,
    *,
    kind: str = "prune",
    levels=None,
    names=None,
    input_noise: bool = False,
    random_state=0,
    progress=None,
    **params,
) -> pd.DataFrame:
    """:func:`robustness_curves` of the hidden layers of a fitted scikit-learn MLP when the
    model is compressed (``kind`` ``"prune"`` or ``"quantize_weights"``, see
    :func:`compress_mlp`) or, with ``kind="input_noise"``, when Gaussian noise (``level`` x
    RMS spread) is added to its ``inputs``; the activations are recomputed. The column
    ``accuracy`` holds the compressed model's accuracy on ``inputs`` (with labels)."""
    kind = check_option(kind, "kind", ["prune", "quantize_weights", "input_noise"])
    X = check_array(inputs, "inputs")
    levels = (
        DEFAULT_LEVELS["noise" if kind == "input_noise" else kind] if levels is None else levels
    )
    layers = mlp_activations(mlp, X)
    names = [f"hidden{i + 1}" for i in range(len(layers))] if names is None else list(names)
    if len(names) != len(layers):
        raise ValueError(
            f"names: expected {len(layers)} names (one per hidden layer), got {len(names)}"
        )
    seed = int(check_random_state(random_state).randint(2**31 - 1))

    def perturbed(level):
        if kind == "input_noise":
            model, Xp = mlp, _noise(X, level, np.random.RandomState(seed))
        else:
            model, Xp = compress_mlp(mlp, kind, level), X
        out = dict(zip(names, mlp_activations(model, Xp)))
        if labels is not None:
            out["_extra"] = {"accuracy": float(np.mean(model.predict(Xp) == np.asarray(labels)))}
        return out

    return robustness_curves(
        dict(zip(names, layers)),
        perturbed,
        levels,
        labels,
        random_state=random_state,
        kind=kind,
        progress=progress,
        **params,
    )
