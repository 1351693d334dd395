"""Parameter specs and registries.

A core function declares its parameters once, beside its definition::

    @declare_params(
        n_intervals=Param(10, "int", low=1, high=10_000, help="cover intervals per lens dimension"),
        overlap=Param(0.3, "float", low=0.0, high=1.0, high_open=True, help="overlap of intervals"),
    )
    def build_mapper(X, *, n_intervals=10, overlap=0.3): ...

and the widgets read ``param_specs(build_mapper)`` for their controls, limits and tooltips:
no default is copied by hand into a widget. :func:`Param.check` validates a value with the
same rules and messages as :mod:`.validation`.

A :class:`Registry` maps names to callables (lenses, covers, clusterers, coupling measures,
similarity measures, motifs); users add their own (``LENSES.register("umap", fn)``) and the
widgets list ``registry.names()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .validation import check_bool, check_int, check_option, check_real

__all__ = ["Param", "declare_params", "param_specs", "Registry"]


@dataclass(frozen=True)
class Param:
    """One parameter: its default, kind, range or choices, and a one-line help text.

    ``kind`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"choice"``, ``"str"``,
    ``"array"`` (anything array-like; not checked here) or ``"any"``. ``choices`` may be a
    list or a callable returning the current list (for registries that grow).
    ``none_ok`` allows None (e.g. "automatic").
    """

    default: Any
    kind: str = "any"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: Any = None
    help: str = ""
    none_ok: bool = False

    def options(self) -> list[Any]:
        c = self.choices() if callable(self.choices) else self.choices
        return list(c or [])

    def check(self, value: Any, name: str) -> Any:
        """``value`` validated against this spec (the message names ``name``)."""
        if value is None and (self.none_ok or self.default is None):
            return None
        if self.kind == "int":
            lo = None if self.low is None else int(self.low) + (1 if self.low_open else 0)
            hi = None if self.high is None else int(self.high) - (1 if self.high_open else 0)
            return check_int(value, name, minimum=lo, maximum=hi)
        if self.kind == "float":
            return check_real(
                value,
                name,
                low=self.low,
                high=self.high,
                low_open=self.low_open,
                high_open=self.high_open,
            )
        if self.kind == "bool":
            return check_bool(value, name)
        if self.kind == "choice":
            if callable(value) and not isinstance(value, str):
                return value  # a user-supplied function in place of a registered name
            return check_option(value, name, self.options())
        if self.kind == "str":
            if not isinstance(value, str):
                raise TypeError(f"{name}: expected a string, got {type(value).__name__}")
            return value
        return value


def declare_params(**specs: Param) -> Callable[[Callable], Callable]:
    """Attach ``specs`` to a function as ``fn.__params__`` (read by :func:`param_specs`)."""

    def deco(fn: Callable) -> Callable:
        fn.__params__ = dict(specs)  # type: ignore[attr-defined]
        return fn

    return deco


def param_specs(fn: Callable) -> dict[str, Param]:
    """The parameter specs declared for ``fn`` (an empty dict if none)."""
    return dict(getattr(fn, "__params__", {}) or {})


def check_params(fn: Callable, values: dict[str, Any]) -> dict[str, Any]:
    """Validate ``values`` against the specs of ``fn``: unknown names are refused with the
    list of known ones; known ones are checked. Returns the checked values."""
    specs = param_specs(fn)
    out = {}
    for key, value in values.items():
        if key not in specs:
            raise TypeError(f"{key}: unknown parameter of {fn.__name__}; known: {sorted(specs)}")
        out[key] = specs[key].check(value, key)
    return out


@dataclass
class Registry:
    """Name -> callable, extendable by users and listed by the widgets.

    >>> LENSES = Registry("lens")
    >>> @LENSES.register("first")
    ... def first(X, **kw): return X[:, 0]
    """

    kind: str
    _items: dict[str, Callable] = field(default_factory=dict)
    _help: dict[str, str] = field(default_factory=dict)

    def register(
        self, name: str, fn: Callable | None = None, *, help: str = "", replace: bool = False
    ):
        """Register ``fn`` under ``name`` (usable as a decorator). Re-registering a name
        needs ``replace=True``."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} name: expected a non-empty string, got {name!r}")

        def add(f: Callable) -> Callable:
            if not callable(f):
                raise TypeError(
                    f"{self.kind} {name!r}: expected a callable, got {type(f).__name__}"
                )
            if name in self._items and not replace:
                raise ValueError(
                    f"{self.kind} {name!r} is registered already; pass replace=True to replace it"
                )
            self._items[name] = f
            doc = help or (f.__doc__ or "").strip().splitlines()[0:1]
            self._help[name] = doc if isinstance(doc, str) else (doc[0] if doc else "")
            return f

        return add(fn) if fn is not None else add

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)
        self._help.pop(name, None)

    def get(self, name: str) -> Callable:
        """The callable registered as ``name``, or an error listing the known names."""
        if callable(name) and not isinstance(name, str):
            return name
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"{self.kind}: unknown {self.kind} {name!r}; known: {self.names()}"
            ) from None

    def names(self) -> list[str]:
        return list(self._items)

    def help(self, name: str) -> str:
        return self._help.get(name, "")

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, name: str) -> Callable:
        return self.get(name)
