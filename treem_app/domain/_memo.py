"""A small bounded memo for hot, pure, per-value functions.

``functools.lru_cache`` with a ``maxsize`` spends about a microsecond per miss on its recency
list; screening misses tens of thousands of times per import, so this cache simply empties itself
when full (the values it holds are cheap to recompute).

A memoised function of one argument is a dict whose ``__call__`` is ``dict.__getitem__``: a hit
never runs Python code, only a miss does (``__missing__``).

Every memo, and every other per-value cache registered with :func:`on_clear`, is emptied by
:func:`clear_all` (benchmarks measure cold runs with it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_CLEARS: list[Callable[[], None]] = []  # what clear_all calls


class _Memo(dict):
    """The memo of a function of one hashable argument (see the module docstring)."""

    __call__ = dict.__getitem__

    def __init__(self, fn: Callable[[Any], Any], maxsize: int) -> None:
        super().__init__()
        self.fn = fn
        self.maxsize = maxsize
        self.cache_clear = self.clear
        functools.update_wrapper(self, fn)
        _CLEARS.append(self.clear)

    def __missing__(self, key: Any) -> Any:
        out = self.fn(key)
        if len(self) >= self.maxsize:
            self.clear()
        self[key] = out
        return out

    def __repr__(self) -> str:
        return f"<memo of {self.fn!r}>"


def memo(maxsize: int) -> Callable[[F], F]:
    """Cache a pure function of one hashable argument; forget everything once ``maxsize`` is hit."""

    def decorate(fn: F) -> F:
        return _Memo(fn, maxsize)  # type: ignore[return-value]

    return decorate


def on_clear(clear: Callable[[], None]) -> None:
    """Have :func:`clear_all` also call ``clear`` (for a cache that is not a memo)."""
    _CLEARS.append(clear)


def clear_all() -> None:
    """Empty every memo and every cache registered with :func:`on_clear`."""
    for clear in _CLEARS:
        clear()
