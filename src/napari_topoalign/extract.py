"""Representations taken from a model: hidden states of a transformer, activations of any
``torch.nn.Module``.

Needs the ``models`` extra (``pip install napari-topoalign[models]``: torch and
transformers). torch is imported inside the functions, so importing this module costs
nothing. Nothing is downloaded: a model is given as an object or as a local directory.

- :func:`extract_hidden_states`: every hidden-state layer of a ``transformers`` model (the
  embeddings and each block), pooled over the tokens of each text.
- :func:`collect_activations`: the outputs of named submodules of any module, through
  forward hooks that are removed afterwards, even on an error or a cancel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._utils.imports import optional_import
from ._utils.params import Param, declare_params
from ._utils.progress import check_progress
from ._utils.validation import check_int, check_option
from .model import Representations

__all__ = ["extract_hidden_states", "collect_activations", "hidden_state_names", "POOLINGS"]

#: Ways to pool the token vectors of one text into one vector.
POOLINGS = ("mean", "cls", "last")


def _torch():
    return optional_import("torch", "extracting representations", "models")


def hidden_state_names(n_layers: int) -> list[str]:
    """Names of the ``n_layers + 1`` hidden states of a transformer with ``n_layers``
    blocks: ``"embeddings"`` (the output of the embedding layer), then ``"block1"`` ..
    ``"block{n_layers}"`` (the output of each block)."""
    return ["embeddings"] + [f"block{i}" for i in range(1, n_layers + 1)]


def _load_local(model, tokenizer):
    """A model object and a tokenizer from a local directory, never from a hub."""
    path = Path(model)
    if not path.is_dir():
        raise FileNotFoundError(
            f"model: {str(model)!r} is not a local model directory (nothing is downloaded; "
            "give a model object or the path of a directory with config.json and weights)"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    transformers = optional_import("transformers", "loading a model from a directory", "models")
    AutoModel, AutoTokenizer = transformers.AutoModel, transformers.AutoTokenizer
    loaded = AutoModel.from_pretrained(str(path), local_files_only=True)
    if tokenizer is None:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    elif isinstance(tokenizer, (str, os.PathLike)):
        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer), local_files_only=True)
    return loaded, tokenizer


def _check_texts(texts) -> list[str]:
    if isinstance(texts, (str, bytes)) or not hasattr(texts, "__iter__"):
        raise TypeError(f"texts: expected a sequence of strings, got {type(texts).__name__}")
    out = list(texts)  # lists, tuples, arrays, pandas Series
    if not out:
        raise ValueError("texts: is empty; give at least one text")
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts: entry {bad[0]} is {type(out[bad[0]]).__name__}, expected str")
    return out


def _pick_layers(layers, names: list[str]) -> list[int]:
    if layers is None:
        return list(range(len(names)))
    if isinstance(layers, (str, int, np.integer)):
        layers = [layers]
    picked = []
    for layer in layers:
        if isinstance(layer, str):
            if layer not in names:
                raise ValueError(f"layers: unknown layer {layer!r}; known: {names}")
            picked.append(names.index(layer))
        else:
            k = check_int(layer, "layers", minimum=-len(names), maximum=len(names) - 1)
            picked.append(k % len(names))
    if not picked:
        raise ValueError("layers: is empty; give None (all layers) or at least one layer")
    if len(set(picked)) != len(picked):
        raise ValueError(f"layers: a layer is named twice in {list(layers)}")
    return picked


@declare_params(
    pooling=Param(
        "mean",
        "choice",
        choices=list(POOLINGS),
        help="token pooling per text: mean over non-padding tokens, first token, or last non-padding token",
    ),
    batch_size=Param(64, "int", low=1, high=65536, help="texts per forward pass"),
    max_length=Param(
        None,
        "int",
        low=1,
        high=100_000,
        none_ok=True,
        help="truncate texts to this many tokens (None: the model's limit)",
    ),
)
def extract_hidden_states(
    model,
    tokenizer=None,
    texts: Sequence[str] = (),
    *,
    pooling: str = "mean",
    layers=None,
    batch_size: int = 64,
    max_length: int | None = None,
    labels=None,
    progress=None,
) -> Representations:
    """Every hidden-state layer of a ``transformers`` model for each text, pooled over tokens.

    Parameters
    ----------
    model : transformers model or str or path-like
        A loaded model (e.g. ``AutoModel.from_pretrained(...)``) or the path of a local model
        directory (loaded with ``local_files_only=True``; nothing is downloaded).
    tokenizer : transformers tokenizer, str, path-like or None
        The model's tokenizer; None loads it from ``model`` when that is a directory.
    texts : sequence of str
        The inputs; kept as the representations' ``texts``.
    pooling : {"mean", "cls", "last"}
        ``"mean"``: mean over the non-padding tokens (the attention mask);
        ``"cls"``: the first token; ``"last"``: the last non-padding token.
    layers : None, or sequence of int or str
        Which hidden states to keep: None keeps all (the embeddings and every block);
        ints index them (0 is the embeddings, -1 the last block), strings name them.
    batch_size : int
        Texts per forward pass.
    max_length : int, optional
        Truncate each text to this many tokens (default: the tokenizer's limit).
    labels : array-like of shape (n_texts,), optional
        Passed to :class:`Representations`.
    progress : callable(fraction, message), optional
        Called after each batch; may raise ``Cancelled`` to stop (let through unchanged).

    Returns
    -------
    Representations
        One float32 ``(n_texts, hidden_size)`` array per kept layer, named as
        :func:`hidden_state_names` (``"embeddings"``, ``"block1"``, ...), with ``texts``;
        ``metadata`` holds the model name, the pooling and the layer indices.
    """
    pooling = check_option(pooling, "pooling", POOLINGS)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    max_length = check_int(max_length, "max_length", minimum=1, allow_none=True)
    progress = check_progress(progress)
    texts = _check_texts(texts)
    if isinstance(model, (str, os.PathLike)):
        model, tokenizer = _load_local(model, tokenizer)
    if tokenizer is None:
        raise ValueError("tokenizer: required when the model is given as an object")
    if not callable(tokenizer):
        raise TypeError(
            f"tokenizer: expected a callable tokenizer, got {type(tokenizer).__name__}"
        )
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model: expected a torch model or a local model directory, got {type(model).__name__}"
        )
    config = getattr(model, "config", None)
    n_blocks = getattr(config, "num_hidden_layers", None)
    names = hidden_state_names(int(n_blocks)) if n_blocks is not None else None
    kept: list[int] | None = _pick_layers(layers, names) if names is not None else None

    device = (
        next(iter(model.parameters())).device if any(True for _ in model.parameters()) else "cpu"
    )
    was_training = model.training
    model.eval()
    chunks: dict[int, list[np.ndarray]] = {}
    n = len(texts)
    try:
        with torch.no_grad():
            for start in range(0, n, batch_size):
                batch = texts[start : start + batch_size]
                enc = tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=max_length,
                    return_tensors="pt",
                )
                enc = {k: v.to(device) for k, v in enc.items()}
                out = model(**enc, output_hidden_states=True, return_dict=True)
                states = out.hidden_states
                if states is None:
                    raise ValueError(
                        "model: returned no hidden states (output_hidden_states=True is ignored)"
                    )
                if names is None:  # a model without num_hidden_layers: read the count once
                    names = hidden_state_names(len(states) - 1)
                    kept = _pick_layers(layers, names)
                mask = enc.get("attention_mask")
                if mask is None:
                    mask = torch.ones(
                        states[0].shape[:2], dtype=torch.long, device=states[0].device
                    )
                mask_f = mask.to(states[0].dtype).unsqueeze(-1)
                # the position of the last non-padding token, for right or left padding
                positions = torch.arange(mask.shape[1], device=mask.device)
                last = (mask.long() * (positions + 1)).argmax(dim=1)
                rows = torch.arange(mask.shape[0], device=mask.device)
                for k in kept:
                    h = states[k]
                    if pooling == "mean":
                        pooled = (h * mask_f).sum(dim=1) / mask_f.sum(dim=1).clamp(min=1.0)
                    elif pooling == "cls":
                        pooled = h[:, 0]
                    else:
                        pooled = h[rows, last]
                    chunks.setdefault(k, []).append(pooled.float().cpu().numpy())
                done = min(start + batch_size, n)
                progress(done / n, f"{done}/{n} texts")
    finally:
        model.train(was_training)
    arrays = {
        names[k]: np.concatenate(chunks[k], axis=0).astype(np.float32, copy=False) for k in kept
    }
    return Representations(
        arrays,
        labels=labels,
        texts=texts,
        metadata={
            "source": "extract_hidden_states",
            "model": str(getattr(config, "_name_or_path", "") or type(model).__name__),
            "pooling": pooling,
            "layers": [int(k) for k in kept],
        },
    )


def _batches(inputs, n: int, batch_size: int):
    """Slices of ``inputs`` (a tensor/array, or a mapping of them batched along axis 0)."""
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if isinstance(inputs, Mapping):
            yield stop, {k: v[start:stop] for k, v in inputs.items()}
        else:
            yield stop, inputs[start:stop]


def _first_tensor(output, torch):
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            found = _first_tensor(item, torch)
            if found is not None:
                return found
    if isinstance(output, Mapping):
        for item in output.values():
            found = _first_tensor(item, torch)
            if found is not None:
                return found
    for attr in ("last_hidden_state", "logits"):  # transformers ModelOutput objects
        value = getattr(output, attr, None)
        if isinstance(value, torch.Tensor):
            return value
    return None


@declare_params(
    batch_size=Param(256, "int", low=1, high=1_000_000, help="inputs per forward pass"),
)
def collect_activations(
    module,
    inputs,
    layers,
    *,
    batch_size: int = 256,
    labels=None,
    texts=None,
    images=None,
    progress=None,
) -> Representations:
    """The outputs of named submodules of ``module`` for every input, through forward hooks.

    Parameters
    ----------
    module : torch.nn.Module
        Run in eval mode under ``torch.no_grad()``; its training mode is restored afterwards.
    inputs : tensor or array of shape (n_inputs, ...), or mapping of str to such
        The inputs, batched along the first axis. A mapping is passed as keyword arguments
        (e.g. a tokenizer's output). NumPy arrays become tensors.
    layers : str or sequence of str
        Submodule names as in ``module.named_modules()`` (``""`` is the module itself).
    batch_size : int
        Inputs per forward pass.
    labels, texts, images : optional
        Passed to :class:`Representations`.
    progress : callable(fraction, message), optional
        Called after each batch; may raise ``Cancelled`` (let through unchanged).

    Returns
    -------
    Representations
        One float32 array per layer, named by the layer, the output of that submodule
        flattened per input: ``(n_inputs, prod(output.shape[1:]))``. A submodule whose output
        is a tuple or a model-output object contributes its first tensor.

    The hooks are removed when this returns or raises, including on a cancel.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    progress = check_progress(progress)
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError("layers: is empty; name at least one submodule")
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers: a name is given twice in {layers}")
    known = dict(module.named_modules())
    unknown = [name for name in layers if name not in known]
    if unknown:
        some = [k for k in known if k][:12]
        raise ValueError(f"layers: no submodule named {unknown}; known include {some}")

    def as_tensor(v, key):
        if isinstance(v, torch.Tensor):
            return v
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"inputs{key}: expected numbers, got dtype {arr.dtype}")
        return torch.from_numpy(np.ascontiguousarray(arr))

    if isinstance(inputs, Mapping):
        if not inputs:
            raise ValueError("inputs: is an empty mapping")
        inputs = {k: as_tensor(v, f"[{k!r}]") for k, v in inputs.items()}
        sizes = {k: int(v.shape[0]) for k, v in inputs.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"inputs: the entries have different numbers of rows {sizes}")
        n = next(iter(sizes.values()))
    else:
        inputs = as_tensor(inputs, "")
        if inputs.ndim == 0:
            raise ValueError("inputs: expected a batch along the first axis, got a scalar")
        n = int(inputs.shape[0])
    if n == 0:
        raise ValueError("inputs: has no rows")

    captured: dict[str, list[np.ndarray]] = {name: [] for name in layers}
    current: dict[str, Any] = {}

    def make_hook(name):
        def hook(_mod, _args, output):
            t = _first_tensor(output, torch)
            if t is None:
                raise TypeError(
                    f"layers: submodule {name!r} returned no tensor ({type(output).__name__})"
                )
            current[name] = t.detach()

        return hook

    handles = [known[name].register_forward_hook(make_hook(name)) for name in layers]
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            for stop, batch in _batches(inputs, n, batch_size):
                current.clear()
                if isinstance(batch, Mapping):
                    module(**batch)
                else:
                    module(batch)
                expect = (
                    int(next(iter(batch.values())).shape[0])
                    if isinstance(batch, Mapping)
                    else int(batch.shape[0])
                )
                for name in layers:
                    if name not in current:
                        raise ValueError(
                            f"layers: submodule {name!r} was not called in the forward pass"
                        )
                    t = current[name]
                    if t.ndim == 0 or t.shape[0] != expect:
                        raise ValueError(
                            f"layers: the output of {name!r} has shape {tuple(t.shape)}, not one row per input of the batch ({expect})"
                        )
                    captured[name].append(t.reshape(t.shape[0], -1).float().cpu().numpy())
                progress(stop / n, f"{stop}/{n} inputs")
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    arrays = {
        name: np.concatenate(captured[name], axis=0).astype(np.float32, copy=False)
        for name in layers
    }
    return Representations(
        arrays,
        labels=labels,
        texts=texts,
        images=images,
        metadata={
            "source": "collect_activations",
            "module": type(module).__name__,
            "layers": list(layers),
        },
    )
