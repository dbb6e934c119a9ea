"""Where the keyboard focus is, waited for: page scripts and HTMX swaps move it a moment later."""

from __future__ import annotations

ACTIVE = "() => { const e = document.activeElement; return e.id || e.tagName; }"


def active_id(page, expected: str, timeout: int = 5000) -> str:
    """The focused element's id (or tag), once it is `expected` or after `timeout` ms.

    Returns what has the focus either way, so that `assert active_id(page, x) == x` names where the
    focus went instead when it never arrives.
    """
    try:
        page.wait_for_function(f"() => ({ACTIVE})() === {expected!r}", timeout=timeout)
    except Exception:  # the assertion names where the focus went instead
        pass
    return page.evaluate(ACTIVE)


def active_text(page, expected: str, timeout: int = 5000) -> str:
    """The focused element's text, once it is `expected` or after `timeout` ms (as above)."""
    script = "() => document.activeElement && document.activeElement.textContent"
    try:
        page.wait_for_function(f"() => ({script})() === {expected!r}", timeout=timeout)
    except Exception:  # the assertion names where the focus went instead
        pass
    return page.evaluate(script)
