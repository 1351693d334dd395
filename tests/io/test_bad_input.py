"""Every reader names the file and what is wrong with it."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign.io import RepresentationFileError, read_representations

h5py = pytest.importorskip("h5py")
zarr = pytest.importorskip("zarr")


def err(path, match, **kw):
    with pytest.raises(RepresentationFileError, match=match) as info:
        read_representations(path, **kw)
    assert path.name in str(info.value)
    return str(info.value)


def test_npz_and_npy(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "rows.npz"
    np.savez(p, a=rng.normal(size=(5, 2)), b=rng.normal(size=(4, 2)))
    err(p, r"'b'.*4 rows")
    p = tmp_path / "nan.npz"
    X = rng.normal(size=(5, 2))
    X[3, 1] = np.nan
    np.savez(p, a=X)
    err(p, "row 3 holds NaN")
    p = tmp_path / "complex.npz"
    np.savez(p, a=np.ones((3, 2), dtype=complex))
    err(p, "complex|not supported")
    p = tmp_path / "strings.npz"
    np.savez(p, a=np.array([["x", "y"]] * 3))
    err(p, "dtype|strings|not supported")
    p = tmp_path / "ragged.npz"
    np.savez(p, a=np.array([np.ones(2), np.ones(3)], dtype=object))
    err(p, "Python objects|pickled")
    p = tmp_path / "only_labels.npz"
    np.savez(p, labels=np.arange(3))
    err(p, "holds no representation")
    p = tmp_path / "ok.npz"
    np.savez(p, a=rng.normal(size=(3, 2)))
    err(p, "no representation named 'zz'", names=["zz"])
    err(p, "label_key='y': no such entry", label_key="y")
    p = tmp_path / "vec.npy"
    np.save(p, np.ones(4))
    err(p, "shape")
    p = tmp_path / "cube.npy"
    np.save(p, np.ones((3, 2, 2)))
    err(p, "flatten=True")
    assert read_representations(p, flatten=True)["cube"].shape == (3, 4)
    p = tmp_path / "trunc.npz"
    np.savez(p, a=rng.normal(size=(300, 20)))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    err(p, "damaged|truncated")
    p = tmp_path / "garbage.npy"
    p.write_bytes(b"hello world")
    err(p, "not a readable NumPy file")


def test_hdf5(tmp_path):
    p = tmp_path / "f.h5"
    with h5py.File(p, "w") as fh:
        fh["a"] = np.ones((4, 2))
        fh["b"] = np.ones((3, 2))
    err(p, r"'b'.*3 rows")
    err(p, "no group 'model'", group="model")
    err(p, "no representation named 'c'", names=["c"])
    p = tmp_path / "ragged.h5"
    with h5py.File(p, "w") as fh:
        dt = h5py.vlen_dtype(np.float64)
        ds = fh.create_dataset("a", (2,), dtype=dt)
        ds[0] = [1.0, 2.0]
        ds[1] = [1.0]
    err(p, "no readable representation.*ragged")
    p = tmp_path / "strings.h5"
    with h5py.File(p, "w") as fh:
        fh["a"] = np.array([[b"x", b"y"]])
    err(p, "no readable representation")
    err(p, "'a' is not a representation", names=["a"])
    p = tmp_path / "nan.h5"
    with h5py.File(p, "w") as fh:
        X = np.ones((4, 2))
        X[2, 0] = np.inf
        fh["a"] = X
    err(p, "row 2 holds infinite")
    p = tmp_path / "notreally.h5"
    p.write_text("plain text")
    err(p, "not a readable HDF5 file")


def test_zarr(tmp_path):
    p = tmp_path / "s.zarr"
    g = zarr.open_group(str(p), mode="w")
    g.create_array("a", data=np.ones((4, 2)))
    g.create_array("b", data=np.ones((5, 2)))
    err(p, r"rows")
    err(p, "no group 'x'", group="x")
    p = tmp_path / "empty.zarr"
    zarr.open_group(str(p), mode="w")
    err(p, "holds no readable representation")
    p = tmp_path / "file.zarr"
    p.write_text("x")
    err(p, "expected a .zarr directory")


def test_safetensors(tmp_path):
    from safetensors.numpy import save_file

    p = tmp_path / "t.safetensors"
    save_file({"a": np.ones((3, 2), np.float32), "b": np.ones((4, 2), np.float32)}, str(p))
    err(p, "rows")
    data = p.read_bytes()
    q = tmp_path / "trunc.safetensors"
    q.write_bytes(data[:-8])
    err(q, "truncated")
    q = tmp_path / "junk.safetensors"
    q.write_bytes(b"\xff" * 40)
    err(q, "not a safetensors file")


def test_tables(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("label,x,y,comment\na,1,2,hi\nb,3,4,yo\n")
    msg = err(p, "column 'comment' is not numeric")
    assert "row 0" in msg
    assert read_representations(p, columns=["x", "y"]).labels.tolist() == ["a", "b"]
    p = tmp_path / "ragged.csv"
    p.write_text("x,y\n1,2\n3,4,5\n")
    err(p, "ragged|different lengths")
    p = tmp_path / "short.csv"
    p.write_text("x,y\n1,2\n3\n")
    err(p, "row 1 holds NaN")
    p = tmp_path / "mixed.csv"
    p.write_text("x,y\n1,2\n3,oops\n")
    err(p, r"column 'y' is not numeric \(row 1: 'oops'\)")
    err(tmp_path / "t.csv", "no such entry", label_key="nope")
    p = tmp_path / "empty.csv"
    p.write_text("")
    err(p, "empty")


def test_missing_and_unknown(tmp_path):
    err(tmp_path / "gone.h5", "no such file")
    (tmp_path / "x.txt").write_text("1")
    err(tmp_path / "x.txt", "not a representation file")
