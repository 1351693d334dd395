"""Round trips through every representation format, memory mapping, and the options."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_topoalign import Representations
from napari_topoalign.io import read_representations, write_representations

ARRAY_FORMATS = [".npz", ".h5", ".hdf5", ".h5ad", ".zarr", ".safetensors"]
for mod in ("h5py", "anndata", "zarr", "safetensors"):  # the io extra
    pytest.importorskip(mod)


def make_reps(rng, n=17, labels="str", texts=True, names=("embeddings", "block2", "block10")):
    arrays = {}
    for k, name in enumerate(names):
        dtype = np.float32 if k % 2 else np.float64
        arrays[name] = rng.normal(size=(n, 3 + k)).astype(dtype)
    lab = None
    if labels == "str":
        lab = np.array([f"class{i % 3}" for i in range(n)])
    elif labels == "int":
        lab = np.arange(n) % 4
    return Representations(
        arrays,
        labels=lab,
        texts=[f"text number {i} é" for i in range(n)] if texts else None,
    )


def assert_same(back, reps, *, ids_as_str=False, texts=True):
    assert back.names == reps.names
    for name in reps.names:
        np.testing.assert_array_equal(np.asarray(back[name]), reps[name])
        assert back[name].dtype == reps[name].dtype
    if ids_as_str:
        assert [str(i) for i in back.ids] == [str(i) for i in reps.ids]
    else:
        np.testing.assert_array_equal(back.ids, reps.ids)
    if reps.labels is not None:
        np.testing.assert_array_equal(back.labels, reps.labels)
    if texts:
        assert back.texts == reps.texts


@pytest.mark.parametrize("suffix", ARRAY_FORMATS)
def test_round_trip_every_array_format(tmp_path, suffix):
    rng = np.random.default_rng(0)
    reps = make_reps(rng, labels="int" if suffix == ".safetensors" else "str")
    path = write_representations(tmp_path / f"reps{suffix}", reps)
    back = read_representations(path)
    assert_same(back, reps)
    assert back.metadata["source"] == str(path)
    # names= picks and orders representations
    two = read_representations(path, names=["block10", "embeddings"])
    assert two.names == ["block10", "embeddings"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_tables(tmp_path, suffix):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    reps = make_reps(rng, names=("layer",))
    path = write_representations(tmp_path / f"layer{suffix}", reps)
    back = read_representations(path)
    assert_same(back, reps)
    assert back.metadata["columns"][:2] == ["f0", "f1"]


def test_npy_is_memory_mapped_and_npz_uncompressed_members_too(tmp_path):
    X = np.random.default_rng(2).normal(size=(50, 8)).astype(np.float32)
    np.save(tmp_path / "big.npy", X)
    reps = read_representations(tmp_path / "big.npy")
    assert isinstance(reps["big"].base, np.memmap) or isinstance(reps["big"], np.memmap)
    np.testing.assert_array_equal(reps["big"], X)
    np.savez(tmp_path / "plain.npz", a=X, b=X * 2, labels=np.arange(50) % 2)
    reps = read_representations(tmp_path / "plain.npz")
    assert any(isinstance(o, np.memmap) for o in (reps["a"], reps["a"].base))
    np.testing.assert_array_equal(reps["b"], X * 2)
    np.savez_compressed(tmp_path / "packed.npz", a=X)
    np.testing.assert_array_equal(read_representations(tmp_path / "packed.npz")["a"], X)
    # mmap=False reads into memory
    assert not isinstance(
        read_representations(tmp_path / "big.npy", mmap=False)["big"].base, np.memmap
    )


def test_hdf5_contiguous_is_mapped_compressed_is_read(tmp_path):
    import h5py

    X = np.random.default_rng(3).normal(size=(40, 6))
    with h5py.File(tmp_path / "f.h5", "w") as fh:
        fh["plain"] = X
        fh.create_dataset("packed", data=X * 3, compression="gzip", chunks=(10, 6))
        g = fh.create_group("model_b")
        g["layer1"] = X + 1
        fh["labels"] = np.arange(40) % 5
        fh["notes"] = np.arange(3)  # 1-D: not a representation
    with pytest.warns(UserWarning, match="notes"):
        reps = read_representations(tmp_path / "f.h5")
    assert reps.names == ["model_b/layer1", "packed", "plain"]
    assert isinstance(reps["plain"].base, np.memmap) or isinstance(reps["plain"], np.memmap)
    np.testing.assert_array_equal(reps["packed"], X * 3)
    np.testing.assert_array_equal(reps.labels, np.arange(40) % 5)
    sub = read_representations(tmp_path / "f.h5", group="model_b")
    assert sub.names == ["layer1"]


def test_h5ad_reads_X_obsm_layers_and_obs_columns(tmp_path):
    anndata = pytest.importorskip("anndata")
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(4)
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(["a", "b", "a", "c", "b", "a"]),
            "caption": [f"c{i}" for i in range(6)],
        },
        index=[f"cell{i}" for i in range(6)],
    )
    adata = anndata.AnnData(
        X=sp.random(6, 5, density=0.5, format="csr", random_state=0),
        obs=obs,
        obsm={"X_pca": rng.normal(size=(6, 2)), "X_umap": rng.normal(size=(6, 2))},
        layers={"counts": rng.poisson(2, size=(6, 5)).astype(np.float32)},
    )
    adata.write_h5ad(tmp_path / "cells.h5ad")
    reps = read_representations(tmp_path / "cells.h5ad", label_key="cell_type", text_key="caption")
    assert reps.names == ["X", "X_pca", "X_umap", "counts"]
    np.testing.assert_allclose(reps["X"], adata.X.toarray())
    np.testing.assert_allclose(reps["X_pca"], adata.obsm["X_pca"])
    assert list(reps.labels) == list(obs["cell_type"])
    assert reps.texts == list(obs["caption"])
    assert list(reps.ids) == list(obs.index)
    # AnnData as zarr
    adata.write_zarr(tmp_path / "cells.zarr")
    z = read_representations(tmp_path / "cells.zarr", names=["X_umap"], label_key="cell_type")
    np.testing.assert_allclose(z["X_umap"], adata.obsm["X_umap"])


def test_safetensors_memory_maps_and_flattens(tmp_path):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(5)
    conv = rng.normal(size=(9, 2, 3, 3)).astype(np.float32)
    save_file(
        {"conv": conv, "fc": rng.normal(size=(9, 4)).astype(np.float32)},
        str(tmp_path / "acts.safetensors"),
    )
    with pytest.warns(UserWarning, match="conv"):
        reps = read_representations(tmp_path / "acts.safetensors")
    assert reps.names == ["fc"]
    reps = read_representations(tmp_path / "acts.safetensors", flatten=True)
    np.testing.assert_array_equal(reps["conv"], conv.reshape(9, -1))


def test_zarr_single_array_store(tmp_path):
    zarr = pytest.importorskip("zarr")
    X = np.random.default_rng(6).normal(size=(12, 3))
    zarr.save_array(str(tmp_path / "acts.zarr"), X)
    reps = read_representations(tmp_path / "acts.zarr")
    assert reps.names == ["acts"]
    np.testing.assert_array_equal(reps["acts"], X)


def test_unknown_parameter_lists_the_accepted_ones(tmp_path):
    reps = make_reps(np.random.default_rng(7), names=("a",))
    path = write_representations(tmp_path / "a.csv", reps)
    with pytest.raises(TypeError, match="group: not a parameter of the .csv reader"):
        read_representations(path, group="x")


def test_write_is_atomic(tmp_path, monkeypatch):
    reps = make_reps(np.random.default_rng(8))
    path = write_representations(tmp_path / "r.npz", reps)
    before = path.read_bytes()
    import napari_topoalign.io.npz as npz_mod

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(npz_mod.np, "savez_compressed", boom)
    with pytest.raises(OSError, match="disk full"):
        write_representations(path, reps)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.npz"]


names_st = st.lists(
    st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=8).filter(
        lambda s: s not in ("labels", "ids", "images", "texts")
    ),
    min_size=1,
    max_size=3,
    unique=True,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(1, 12),
    names=names_st,
    width=st.integers(1, 5),
    dtype=st.sampled_from([np.float32, np.float64]),
    suffix=st.sampled_from([".npz", ".h5", ".zarr", ".safetensors", ".h5ad"]),
    seed=st.integers(0, 2**16),
    with_texts=st.booleans(),
)
def test_round_trip_hypothesis(tmp_path, n, names, width, dtype, suffix, seed, with_texts):
    rng = np.random.default_rng(seed)
    arrays = {
        name: (rng.normal(size=(n, width)) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
        for name in names
    }
    texts = (
        [str(t) for t in rng.choice(["x", "héllo wörld", "", 'a,b"c'], size=n)]
        if with_texts and suffix != ".h5ad"
        else None
    )
    reps = Representations(arrays, labels=rng.integers(0, 3, size=n), texts=texts)
    path = write_representations(tmp_path / f"h{seed}_{n}{suffix}", reps)
    back = read_representations(path)
    assert back.names == reps.names
    for name in names:
        np.testing.assert_array_equal(back[name], reps[name])
    np.testing.assert_array_equal(back.labels, reps.labels)
    if texts is not None:
        assert back.texts == texts
