import numpy as np
import pytest

from napari_topoalign import Representations
from napari_topoalign.io import (
    RepresentationFileError,
    read_representations,
    write_representations,
)


def _reps(rng):
    return Representations(
        {
            "layer1": rng.normal(size=(20, 5)),
            "layer2": rng.normal(size=(20, 3)).astype(np.float32),
        },
        labels=np.arange(20) % 3,
        texts=[f"sentence {i}" for i in range(20)],
        images=rng.random((20, 4, 4)),
    )


def test_roundtrip_npz(tmp_path):
    reps = _reps(np.random.default_rng(0))
    path = write_representations(tmp_path / "r.npz", reps)
    back = read_representations(path)
    assert back.names == ["layer1", "layer2"]
    np.testing.assert_array_equal(back["layer1"], reps["layer1"])
    np.testing.assert_array_equal(back.labels, reps.labels)
    np.testing.assert_array_equal(back.ids, reps.ids)
    np.testing.assert_array_equal(back.images, reps.images)
    assert back.texts == reps.texts


def test_read_npy_is_one_representation(tmp_path):
    X = np.random.default_rng(1).normal(size=(10, 4))
    np.save(tmp_path / "resnet_block3.npy", X)
    reps = read_representations(tmp_path / "resnet_block3.npy")
    assert reps.names == ["resnet_block3"]
    np.testing.assert_array_equal(reps["resnet_block3"], X)


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(RepresentationFileError, match="no such file"):
        read_representations(tmp_path / "missing.npz")
    (tmp_path / "x.txt").write_text("1 2 3")
    with pytest.raises(RepresentationFileError, match="not a representation file"):
        read_representations(tmp_path / "x.txt")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(RepresentationFileError, match="garbage.npz"):
        read_representations(tmp_path / "garbage.npz")
    np.savez(tmp_path / "only_labels.npz", labels=np.arange(3))
    with pytest.raises(RepresentationFileError, match="holds no representation"):
        read_representations(tmp_path / "only_labels.npz")
    np.savez(tmp_path / "rows.npz", a=np.zeros((5, 2)), b=np.zeros((4, 2)))
    with pytest.raises(RepresentationFileError, match="'b'.*4 rows"):
        read_representations(tmp_path / "rows.npz")
    np.savez(tmp_path / "nan.npz", a=np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(RepresentationFileError, match="row 1"):
        read_representations(tmp_path / "nan.npz")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(RepresentationFileError, match="pickled"):
        read_representations(tmp_path / "obj.npy")
    np.savez(tmp_path / "strings.npz", a=np.array([["x", "y"]]))
    with pytest.raises(RepresentationFileError, match="dtype"):
        read_representations(tmp_path / "strings.npz")


def test_write_refuses_reserved_names(tmp_path):
    reps = Representations({"labels": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="reserved"):
        write_representations(tmp_path / "r.npz", reps)
