"""Draw docs/images/membrane.png: how a membrane encodes where a motif's inputs go.

Three instances side by side, each drawn with :func:`napari_topoalign.shapes.membrane`:
a loop whose inputs all stay together in the other model (solid wall), the same loop with
two nodes whose inputs leave for another region (pores sized by the share that leaves), and
a branch whose arm tips leak. Run: ``python docs/make_membrane_figure.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from napari_topoalign.shapes import membrane  # noqa: E402


def _loop(centre, k=8, r=1.0):
    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    pos = np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)])
    edges = np.array([[i, (i + 1) % k] for i in range(k)])
    return pos, edges


def _branch(centre):
    pos = [centre]
    edges = []
    for ang in (90, 210, 330):
        a = np.deg2rad(ang)
        prev = 0
        for step in (0.6, 1.2, 1.8):
            pos.append([centre[0] + step * np.cos(a), centre[1] + step * np.sin(a)])
            edges.append([prev, len(pos) - 1])
            prev = len(pos) - 1
    return np.array(pos), np.array(edges)


def main(path: str | Path = Path(__file__).parent / "images" / "membrane.png") -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.3))
    pos, edges = _loop((0.0, 0.0))
    cases = [
        ("preserved loop: no input leaves", pos, edges, np.zeros(len(pos))),
        (
            "loop whose inputs leave at two nodes",
            pos,
            edges,
            np.array([0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.35, 0.0]),
        ),
    ]
    bpos, bedges = _branch((0.0, 0.0))
    share = np.zeros(len(bpos))
    share[3], share[9] = 1.0, 0.5  # the tips of two arms
    cases.append(("branch whose arm tips leak", bpos, bedges, share))
    for ax, (title, p, e, s) in zip(axes, cases):
        m = membrane(p, np.arange(len(p)), e, s, padding=0.32)
        for ring in m.outline:
            closed = np.vstack([ring, ring[:1]])
            ax.fill(closed[:, 0], closed[:, 1], color="#4c72b0", alpha=0.12, lw=0)
        for line in m.wall:
            ax.plot(line[:, 0], line[:, 1], color="#2a4a80", lw=2.5, solid_capstyle="round")
        for a, b in e:
            ax.plot(*p[[a, b]].T, color="0.35", lw=1.2, zorder=2)
        ax.scatter(
            p[:, 0],
            p[:, 1],
            s=60,
            c=np.where(s > 0, "#dd8452", "#55a868"),
            edgecolor="k",
            zorder=3,
        )
        for q, share_, normal in zip(m.pore_positions, m.pore_shares, m.pore_normals):
            ax.scatter(
                *q, s=40 + 260 * share_, facecolor="none", edgecolor="#c44e52", lw=2, zorder=4
            )
            tip = q + 0.28 * normal
            ax.annotate(
                "", xy=tip, xytext=q, arrowprops=dict(arrowstyle="->", color="#c44e52", lw=1.5)
            )
            ax.text(
                *(q + 0.42 * normal),
                f"{share_:.0%}",
                color="#c44e52",
                ha="center",
                va="center",
                fontsize=9,
            )
        ax.set_title(title, fontsize=10)
        ax.set_aspect("equal")
        ax.margins(0.22)
        ax.axis("off")
    fig.suptitle(
        "Membrane: a solid wall where the instance's inputs stay together in the other model;\n"
        "a pore (a gap whose arc length is proportional to the share that leaves) facing each "
        "node whose inputs leave for another region",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(main())
