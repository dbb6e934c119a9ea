"""A small bounded memo for hot, pure, per-value functions.

``functools.lru_cache`` with a ``maxsize`` spends about a microsecond per miss on its recency
list; screening misses tens of thousands of times per import, so this cache simply empties itself
when full (the values it holds are cheap to recompute).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_MISS = object()


def memo(maxsize: int) -> Callable[[F], F]:
    """Cache a pure function of hashable arguments; forget everything once ``maxsize`` is hit."""

    def decorate(fn: F) -> F:
        cache: dict[Any, Any] = {}
        get = cache.get

        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            key = args[0] if len(args) == 1 else args
            out = get(key, _MISS)
            if out is _MISS:
                out = fn(*args)
                if len(cache) >= maxsize:
                    cache.clear()
                cache[key] = out
            return out

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
