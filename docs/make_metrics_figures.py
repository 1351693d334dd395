"""Figures and tables of docs/metrics.md.

    .venv/bin/python docs/make_metrics_figures.py            # everything
    .venv/bin/python docs/make_metrics_figures.py --quick    # fewer perturbation steps

Writes docs/images/metrics_perturbation.png (CKA drops while the LFM similarity stays under a
perturbation that keeps the classes linearly separable; synthetic data and the MiniLM sample)
and docs/images/metrics_minilm_matrices.png (similarity matrices of the 7 MiniLM layers), and
prints the correspondence table (LFM point map vs Procrustes on the same anchors) as Markdown.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from napari_topoalign.datasets import load_minilm_sample
from napari_topoalign.metrics import cka, lfm, mutual_knn, similarity_matrix

HERE = Path(__file__).parent
IMAGES = HERE / "images"


def blobs(n_per=150, n_classes=5, dim=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_classes, dim))
    X = np.concatenate(
        [c + rng.normal(scale=0.5 + 0.4 * i, size=(n_per, dim)) for i, c in enumerate(centres)]
    )
    return X, np.repeat(np.arange(n_classes), n_per)


def translate_class(X, y, cls, distance):
    """Class ``cls`` moved along the unit normal of a linear SVM separating it from the rest,
    by ``distance`` times the mean distance of the inputs to their centroid: the classes stay
    linearly separable, each input keeps its neighbours inside its class."""
    from sklearn.svm import LinearSVC

    w = LinearSVC(dual=False).fit(X, (y == cls).astype(int)).coef_[0]
    w = w / np.linalg.norm(w)
    scale = np.linalg.norm(X - X.mean(0), axis=1).mean()
    return X + (y == cls)[:, None] * (distance * scale) * w


def separable(X, y):
    from sklearn.svm import LinearSVC

    return LinearSVC(dual=False, C=10.0).fit(X, y).score(X, y)


def curves(X, y, distances, metric):
    rows = []
    for d in distances:
        Y = translate_class(X, y, 0, d)
        rows.append(
            dict(
                distance=d,
                cka=cka(X, Y),
                cka_rbf=cka(X, Y, kernel="rbf"),
                mutual_knn=mutual_knn(X, Y, k=10),
                lfm=lfm(X, Y, metric=metric, random_state=0, fit=False),
                separable=separable(Y, y),
            )
        )
    return rows


def minilm_classes(X, k=6, seed=0):
    """Classes for the perturbation on MiniLM: k-means cells (Voronoi cells are linearly
    separable by construction)."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(X)


def plot_perturbation(panels, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, (title, rows) in zip(axes[0], panels):
        d = [r["distance"] for r in rows]
        ax.plot(d, [r["cka"] for r in rows], "o-", label="linear CKA")
        ax.plot(d, [r["cka_rbf"] for r in rows], "s-", label="RBF CKA")
        ax.plot(d, [r["mutual_knn"] for r in rows], "^-", label="mutual kNN (k=10)")
        ax.plot(d, [r["lfm"] for r in rows], "D-", label="LFM similarity")
        ax.set_title(title)
        ax.set_xlabel("translation of one class (x mean radius)")
        ax.set_ylabel("similarity to the unperturbed representation")
        ax.set_ylim(-0.02, 1.05)
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_matrices(reps, path, measures):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(measures), figsize=(4.3 * len(measures), 4.0), squeeze=False)
    for ax, (title, measure, params) in zip(axes[0], measures):
        t = time.perf_counter()
        M = similarity_matrix(reps, measure, **params)
        dt = time.perf_counter() - t
        im = ax.imshow(M.values, vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(M)), M.columns, rotation=60, fontsize=7)
        ax.set_yticks(range(len(M)), M.index, fontsize=7)
        ax.set_title(f"{title} ({dt:.0f} s)", fontsize=9)
        for i in range(len(M)):
            for j in range(len(M)):
                ax.text(
                    j,
                    i,
                    f"{M.values[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="w" if M.values[i, j] < 0.6 else "k",
                )
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def procrustes_matches(A, B, anchors, top=5):
    """Nearest neighbours (cosine) of ``A R`` among ``B``, with ``R`` the orthogonal Procrustes
    rotation fitted on the anchors only (both centred on the anchors' means)."""
    a = A - A[anchors].mean(0)
    b = B - B[anchors].mean(0)
    U, _, Vt = np.linalg.svd(a[anchors].T @ b[anchors])
    P = a @ (U @ Vt)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    Bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.argsort(-(P @ Bn.T), axis=1)[:, :top]


def topk(cand, k):
    return float(np.mean(np.any(cand[:, :k] == np.arange(len(cand))[:, None], axis=1)))


def correspondence_table(reps, anchor_counts=(0, 10, 50), n_eigenvectors=50, seed=0):
    names = reps.names
    lines = [
        "| layers | anchors | LFM top-1 | LFM top-5 | Procrustes+NN top-1 | Procrustes+NN top-5 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals = {}
    for a, b in zip(names[:-1], names[1:]):
        A = np.asarray(reps[a], dtype=np.float64)
        B = np.asarray(reps[b], dtype=np.float64)
        n = len(A)
        for na in anchor_counts:
            anchors = (
                None
                if na == 0
                else np.sort(np.random.RandomState(seed).choice(n, na, replace=False))
            )
            r = lfm(A, B, anchors=anchors, n_eigenvectors=n_eigenvectors, random_state=seed)
            l1, l5 = r.accuracy(top=1), r.accuracy(top=5)
            if anchors is None:
                p1 = p5 = float("nan")
            else:
                c = procrustes_matches(A, B, anchors)
                p1, p5 = topk(c, 1), topk(c, 5)
            totals.setdefault(na, []).append((l1, l5, p1, p5))
            pr = "n/a | n/a" if anchors is None else f"{p1:.3f} | {p5:.3f}"
            lines.append(f"| {a} -> {b} | {na} | {l1:.3f} | {l5:.3f} | {pr} |")
            print(lines[-1], flush=True)
    for na, vals in totals.items():
        m = (
            np.nanmean(np.array(vals, dtype=float), axis=0)
            if na
            else np.array(vals, dtype=float).mean(0)
        )
        pr = "n/a | n/a" if na == 0 else f"{m[2]:.3f} | {m[3]:.3f}"
        lines.append(f"| **mean** | {na} | {m[0]:.3f} | {m[1]:.3f} | {pr} |")
    return "\n".join(lines)


def widget_screenshot(path):
    """The Alignment scores dock widget on the MiniLM layers (linear CKA), grabbed from Qt
    (run under a display, e.g. xvfb-run)."""
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_topoalign import Comparison
    from napari_topoalign.viewer._scores_widget import AlignmentScoresWidget

    cmp = Comparison(load_minilm_sample())
    viewer = napari.Viewer(show=False)
    widget = AlignmentScoresWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget, name="Alignment scores")
    widget.show_matrix(cmp.compute_scores("cka"), "cka")
    widget.choose_pair("block2", "block3")
    widget.native.resize(430, 640)
    for _ in range(5):
        QApplication.processEvents()
    widget.native.grab().save(str(path))
    viewer.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-table", action="store_true")
    parser.add_argument("--widget", action="store_true", help="only the widget screenshot")
    args = parser.parse_args(argv)
    IMAGES.mkdir(exist_ok=True)
    if args.widget:
        widget_screenshot(IMAGES / "metrics_scores_widget.png")
        return
    distances = [0, 0.5, 1, 2, 4] if args.quick else [0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6]

    X, y = blobs()
    syn = curves(X, y, distances, metric="euclidean")
    reps = load_minilm_sample()
    M = np.asarray(reps["block3"], dtype=np.float64)
    ym = minilm_classes(M)
    mini = curves(M, ym, distances, metric="cosine")
    for title, rows in (("synthetic", syn), ("MiniLM block3", mini)):
        print(f"\n{title}: distance, linear CKA, RBF CKA, mutual kNN, LFM, linear separability")
        for r in rows:
            print(
                f"  {r['distance']:5.2f} {r['cka']:.3f} {r['cka_rbf']:.3f} {r['mutual_knn']:.3f} {r['lfm']:.3f} {r['separable']:.3f}"
            )
    plot_perturbation(
        [("synthetic: 5 Gaussian classes, 20-d", syn), ("MiniLM block3: 6 k-means classes", mini)],
        IMAGES / "metrics_perturbation.png",
    )
    plot_matrices(
        reps,
        IMAGES / "metrics_minilm_matrices.png",
        [
            ("linear CKA", "cka", {}),
            ("mutual kNN (k=10)", "mutual_knn", {}),
            ("LFM similarity", "lfm", {"random_state": 0}),
        ],
    )
    if not args.no_table:
        print("\ncorrespondence between adjacent MiniLM layers (1500 words)\n")
        print(correspondence_table(reps))


if __name__ == "__main__":
    main()
