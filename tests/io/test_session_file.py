"""Session files: exact round trips, atomic saves, and errors naming the file and part."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from _equal import assert_deep_equal, assert_same_session  # noqa: E402

from napari_topoalign import Comparison, Layout, MapperGraph, Representations  # noqa: E402
from napari_topoalign.io import session_file as sf  # noqa: E402
from napari_topoalign.io import write_representations  # noqa: E402
from napari_topoalign.io.session_file import SessionFileError  # noqa: E402
from napari_topoalign.model import Correspondence  # noqa: E402

try:
    from napari_topoalign.model import Region
except ImportError:  # pragma: no cover - older layout
    from napari_topoalign.align import Region


def small_session(seed=0, n=40):
    rng = np.random.default_rng(seed)
    reps = Representations(
        {"a": rng.normal(size=(n, 4)), "b": rng.normal(size=(n, 3)).astype(np.float32)},
        labels=np.array([f"l{i % 3}" for i in range(n)]),
        texts=[f"t{i}" for i in range(n)],
        images=rng.random((n, 3, 3)).astype(np.float32),
        metadata={"title": "small", "zipf": rng.random(n)},
    )
    cmp = Comparison(reps)
    for name in ("a", "b"):
        m = sp.random(6, n, density=0.2, format="csr", random_state=seed, dtype=float) > 0
        cmp.graphs[name] = MapperGraph.from_membership(
            m,
            labels=reps.labels,
            lens=rng.random(n),
            params={"n_intervals": 6, "lens": "pca1"},
            name=name,
        )
    cmp.layout = Layout(
        {k: rng.normal(size=(g.n_nodes, 2)) for k, g in cmp.graphs.items()},
        params={"method": "joint", "seed": 3},
    )
    region = Region(
        nodes_a=[0, 1], nodes_b=[2], inputs=[1, 2, 3], score=0.5, overlap=0.7, p_value=float("nan")
    )
    cmp.correspondences[("a", "b")] = Correspondence(
        "a",
        "b",
        sp.random(6, 6, density=0.3, format="csr", random_state=1),
        [region],
        {"min_overlap": 0.2},
    )
    cmp.mapper_params = {"n_intervals": 6, "overlap": 0.3, "clusterer": ("dbscan", {"eps": None})}
    cmp.scores["cka"] = pd.DataFrame(rng.random((2, 2)), index=["a", "b"], columns=["a", "b"])
    cmp.topology.update(
        {
            "diagrams": {"a": [rng.random((5, 2)), np.zeros((0, 2))]},
            "params": {"maxdim": 1, "inf": float("inf")},
        }
    )
    cmp.motifs["loop: a vs b"] = {
        "instances": [np.array([0, 1, 2])],
        "table": pd.DataFrame({"kind": pd.Categorical(["x", "y"]), "n": [1, 2]}),
    }
    return cmp


def test_round_trip_is_exact(tmp_path):
    cmp = small_session()
    path = cmp.save(tmp_path / "s")
    assert path.name == "s.topoalign"
    back = Comparison.load(path)
    assert_same_session(cmp, back)
    assert type(back.topology) is type(cmp.topology)
    packed = cmp.save(tmp_path / "packed.topoalign", compress=True)  # deflated parts
    assert packed.stat().st_size < path.stat().st_size
    assert_same_session(cmp, Comparison.load(packed))
    # the manifest lists every part with its checksum
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["schema_version"] == sf.SCHEMA_VERSION
        assert set(manifest["parts"]) == set(zf.namelist()) - {"manifest.json"}
        assert not any(n.endswith(".pkl") for n in zf.namelist())


def test_real_pipeline_round_trip(tmp_path):
    from napari_topoalign.datasets import load_digits_sample

    reps = load_digits_sample()
    idx = np.arange(0, reps.n_inputs, 4)
    small = Representations(
        {k: v[idx] for k, v in reps.arrays.items()},
        labels=reps.labels[idx],
        images=reps.images[idx],
    )
    cmp = Comparison(small)
    cmp.build_mappers(lens="pca1", n_intervals=8, overlap=0.4, random_state=0)
    cmp.layout_separately(iterations=30)
    cmp.find_regions(random_state=0)
    # what later stages keep on the session is saved generically
    if hasattr(cmp, "compute_scores"):
        cmp.compute_scores("cka")
    if hasattr(cmp, "query_motif"):
        cmp.query_motif("loop")
    back = Comparison.load(cmp.save(tmp_path / "digits.topoalign"))
    assert_same_session(cmp, back)
    assert list(back.scores) == list(cmp.scores) and list(back.motifs) == list(cmp.motifs)
    # a loaded session runs further stages
    back.find_regions(random_state=0)


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    cmp = small_session()
    path = cmp.save(tmp_path / "s.topoalign")
    before = path.read_bytes()
    calls = {"n": 0}
    real = sf._write_array_part

    def fail_midway(zf, name, arr, parts):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(zf, name, arr, parts)

    monkeypatch.setattr(sf, "_write_array_part", fail_midway)
    cmp.graphs["a"].params["changed"] = True
    with pytest.raises(OSError, match="disk full"):
        cmp.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.topoalign"]
    assert "changed" not in Comparison.load(path).graphs["a"].params


def test_unsupported_values_are_refused_naming_where(tmp_path):
    cmp = small_session()
    cmp.scores["bad"] = {"fn": object()}
    with pytest.raises(SessionFileError, match=r"scores\['bad'\]\['fn'\]"):
        cmp.save(tmp_path / "x.topoalign")
    assert not (tmp_path / "x.topoalign").exists()
    assert list(tmp_path.iterdir()) == []


def _rewrite(path, out, *, drop=None, replace=None, manifest_edit=None):
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            if item.filename == drop:
                continue
            data = zin.read(item.filename)
            if replace and item.filename in replace:
                data = replace[item.filename](data)
            if item.filename == "manifest.json" and manifest_edit:
                m = json.loads(data)
                manifest_edit(m)
                data = json.dumps(m).encode()
            zout.writestr(item, data)
    return out


def test_errors_name_file_and_part(tmp_path):
    path = small_session().save(tmp_path / "good.topoalign")
    data = path.read_bytes()
    trunc = tmp_path / "trunc.topoalign"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(SessionFileError, match="trunc.topoalign: .*truncated"):
        Comparison.load(trunc)
    newer = _rewrite(
        path, tmp_path / "newer.topoalign", manifest_edit=lambda m: m.update(schema_version=99)
    )
    with pytest.raises(SessionFileError, match="newer.topoalign: schema version 99 is newer"):
        Comparison.load(newer)
    missing = _rewrite(path, tmp_path / "missing.topoalign", drop="arrays/000002.npy")
    with pytest.raises(
        SessionFileError, match="missing.topoalign: missing part arrays/000002.npy"
    ):
        Comparison.load(missing)
    damaged = _rewrite(
        path,
        tmp_path / "damaged.topoalign",
        replace={"arrays/000001.npy": lambda d: d[:-4] + b"\0\0\0\1"},
    )
    with pytest.raises(
        SessionFileError, match="damaged.topoalign: part arrays/000001.npy is damaged"
    ):
        Comparison.load(damaged)
    no_manifest = _rewrite(path, tmp_path / "nomanifest.topoalign", drop="manifest.json")
    with pytest.raises(SessionFileError, match="missing part manifest.json"):
        Comparison.load(no_manifest)
    other = tmp_path / "other.topoalign"
    np.savez(other, a=np.ones(3))
    with pytest.raises(SessionFileError, match="other.topoalign"):
        Comparison.load(other)
    with pytest.raises(SessionFileError, match="no such session file"):
        Comparison.load(tmp_path / "nothere.topoalign")


def test_foreign_class_names_are_refused(tmp_path):
    path = small_session().save(tmp_path / "good.topoalign")

    def evil(data):
        tree = json.loads(data)
        tree["attributes"]["motifs"] = {"x": {"__dataclass__": "os:system", "dict": "echo hi"}}
        return json.dumps(tree).encode()

    import hashlib

    def fix_manifest(m):
        m["parts"]["session.json"]["sha256"] = hashlib.sha256(
            evil(zipfile.ZipFile(path).read("session.json"))
        ).hexdigest()

    bad = _rewrite(
        path,
        tmp_path / "evil.topoalign",
        replace={"session.json": evil},
        manifest_edit=fix_manifest,
    )
    with pytest.raises(SessionFileError, match="refuses to restore class 'os:system'"):
        Comparison.load(bad)


def test_representations_by_reference(tmp_path):
    cmp = small_session()
    src = (
        write_representations(tmp_path / "reps.h5", cmp.representations)
        if _has("h5py")
        else write_representations(tmp_path / "reps.npz", cmp.representations)
    )
    from napari_topoalign.io import read_representations

    reps = read_representations(src)
    cmp2 = Comparison(reps)
    cmp2.graphs = cmp.graphs
    path = cmp2.save(tmp_path / "ref.topoalign", representations="reference")
    assert path.stat().st_size < (tmp_path / "ref.topoalign").stat().st_size + 1
    back = Comparison.load(path)
    for name in reps.names:
        np.testing.assert_array_equal(back.representations[name], reps[name])
    assert_deep_equal(back.graphs, cmp.graphs)
    # the file changes: the checksum no longer matches
    moved = tmp_path / "moved" / src.name
    moved.parent.mkdir()
    src.rename(moved)
    with pytest.raises(
        SessionFileError, match="ref.topoalign: the representations file .* is missing"
    ):
        Comparison.load(path)
    back = Comparison.load(path, source=moved)
    assert back.representations.names == reps.names
    with open(moved, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(SessionFileError, match="has changed since the session was saved"):
        Comparison.load(path, source=moved)
    # the reader's options are kept: labels from a column chosen by name come back
    pytest.importorskip("anndata")
    cells = write_representations(tmp_path / "cells.h5ad", cmp.representations)
    picked = read_representations(cells, names=["b"], label_key="texts")
    ref = Comparison(picked).save(tmp_path / "cells.topoalign", representations="reference")
    again = Comparison.load(ref)
    assert again.representations.names == ["b"]
    np.testing.assert_array_equal(again.representations.labels, picked.labels)
    with pytest.raises(SessionFileError, match="not read from a file"):
        small_session().save(tmp_path / "x.topoalign", representations="reference")


def _has(mod):
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


# -- hypothesis: random sessions ------------------------------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.binary(max_size=4),
)
np_scalars = st.one_of(
    st.floats(width=32).map(np.float32),
    st.integers(-100, 100).map(np.int16),
    st.floats(allow_nan=False).map(np.float64),
    st.booleans().map(np.bool_),
)
arrays = st.builds(
    lambda shape, dtype, seed: (np.random.default_rng(seed).normal(size=shape) * 100).astype(
        dtype
    ),
    st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
    st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.float16]),
    st.integers(0, 1000),
) | st.lists(st.text(max_size=3), max_size=4).map(lambda v: np.array(v, dtype=str))
frames = st.builds(
    lambda n, seed, cat: pd.DataFrame(
        {
            "x": np.random.default_rng(seed).random(n),
            "k": np.arange(n, dtype=np.int32),
            "s": pd.array([f"s{i}" for i in range(n)], dtype="str"),
            **({"c": pd.Categorical(["a", "b"] * (n // 2) + ["a"] * (n % 2))} if cat else {}),
        },
        index=pd.Index([f"r{i}" for i in range(n)]) if seed % 2 else pd.RangeIndex(n),
    ),
    st.integers(0, 5),
    st.integers(0, 100),
    st.booleans(),
)
sparse = st.builds(
    lambda n, m, fmt, seed: sp.random(n, m, density=0.3, format=fmt, random_state=seed),
    st.integers(1, 6),
    st.integers(1, 6),
    st.sampled_from(["csr", "csc", "coo", "lil"]),
    st.integers(0, 100),
)
leaves = scalars | np_scalars | arrays | frames | sparse
values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=4), children, max_size=3)
        | st.dictionaries(
            st.tuples(st.text(max_size=2), st.text(max_size=2)), children, max_size=2
        )
        | st.tuples(children, children)
    ),
    max_leaves=8,
)


def _normalise(v):
    """What a plain round trip cannot tell apart: lil matrices come back as lil (format kept)."""
    return v


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scores=st.dictionaries(st.text(min_size=1, max_size=5), values, max_size=3),
    topo=values,
    motifs=values,
    seed=st.integers(0, 50),
    n=st.integers(2, 12),
)
def test_random_sessions_round_trip(tmp_path, scores, topo, motifs, seed, n):
    rng = np.random.default_rng(seed)
    reps = Representations(
        {"x": rng.normal(size=(n, 2)), "y": rng.normal(size=(n, 3))}, labels=rng.integers(0, 2, n)
    )
    cmp = Comparison(reps)
    dense = rng.random((3, n)) < 0.5
    dense[:, 0] = True  # no empty node
    m = sp.csr_matrix(dense)
    cmp.graphs["x"] = MapperGraph.from_membership(m, labels=reps.labels, name="x")
    cmp.scores = dict(scores)
    cmp.topology.update({"result": topo})
    cmp.motifs = {"q": motifs}
    path = cmp.save(tmp_path / f"h{seed}_{n}.topoalign")
    back = Comparison.load(path)
    assert_same_session(cmp, back)
