"""Colour contrast of static/css/app.css computed as WCAG 2.1 does (1.4.3 text 4.5:1, 1.4.11 focus
rings and control borders 3:1): the stylesheet is read, its custom properties resolved, and a
colour change that falls under the bar fails here before an audit finds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"
TEXT = 4.5
NON_TEXT = 3.0


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def _parse(text: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of every innermost rule; media blocks are flattened."""
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", _strip_comments(text)):
        decls = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                decls[name.strip()] = value.strip()
        rules.append(([s.strip() for s in selectors.split(",")], decls))
    return rules


RULES = _parse(CSS.read_text(encoding="utf-8"))
VARS = {k: v for sels, d in RULES if ":root" in sels for k, v in d.items() if k.startswith("--")}


def _resolve(value: str) -> str:
    for _ in range(5):
        value = re.sub(r"var\((--[\w-]+)\)", lambda m: VARS[m.group(1)], value)
    return value


def decl(selector: str, prop: str) -> str:
    """The last value the stylesheet gives `prop` in a rule naming exactly `selector`."""
    found = [d[prop] for sels, d in RULES if selector in sels and prop in d]
    assert found, f"no {prop} for {selector} in app.css"
    return _resolve(found[-1])


def colour(value: str) -> str:
    m = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value)
    assert m, f"no hex colour in {value!r}"
    return m.group(0)


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(h[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_ratio_is_wcags():
    assert ratio("#000", "#fff") == pytest.approx(21)
    assert ratio("#fff", "#4885c2") == pytest.approx(3.88, abs=0.01)  # the audit's menu item
    assert ratio("#a86200", "#fff5e5") == pytest.approx(4.41, abs=0.01)  # the audit's badge


PAGE_BACKGROUNDS = {
    "page": VARS["--bg"],
    "card": VARS["--card"],
    "table head": colour(decl("table.grid th", "background")),
    "editing fact": colour(decl(".fact-row.editing", "background")),
    "saved fact": colour(decl(".fact-row.saved", "background")),
}


def test_the_active_menu_item_and_the_bar_are_readable():
    bar = colour(decl(".topbar", "background"))
    active = colour(decl("nav.menu a.active", "background"))
    text = colour(decl("nav.menu a", "color"))
    assert ratio(text, bar) >= TEXT
    assert ratio(text, active) >= TEXT, f"active menu item {ratio(text, active):.2f}:1"


def _badge_rules():
    base_bg = colour(decl(".badge", "background"))
    for sels, d in RULES:
        for sel in sels:
            if re.fullmatch(r"\.badge(\.[\w-]+)+", sel):
                yield sel, d, base_bg


@pytest.mark.parametrize("selector", sorted({sel for sel, _, _ in _badge_rules()}))
def test_every_badge_is_readable_at_its_small_size(selector):
    bg = colour(decl(".badge", "background"))
    fg = VARS["--ink"]
    for sel, d, _ in _badge_rules():
        if sel == selector:
            bg = colour(_resolve(d.get("background", bg)))
            fg = colour(_resolve(d.get("color", fg)))
    assert ratio(fg, bg) >= TEXT, f"{selector}: {fg} on {bg} is {ratio(fg, bg):.2f}:1"


def test_the_focus_ring_stands_out_on_every_background():
    ring = colour(decl("a:focus", "outline"))
    for name, bg in PAGE_BACKGROUNDS.items():
        assert ratio(ring, bg) >= NON_TEXT, f"focus ring on {name}: {ratio(ring, bg):.2f}:1"
    # the ring also sits beside a blue button (outline-offset leaves the page between them)
    assert "outline-offset" in {k for sels, d in RULES if "a:focus" in sels for k in d}
    on_bar = colour(decl(".topbar a:focus", "outline-color"))
    assert ratio(on_bar, colour(decl(".topbar", "background"))) >= NON_TEXT
    assert ratio(on_bar, colour(decl("nav.menu a.active", "background"))) >= NON_TEXT
    assert ratio(colour(decl(".change:focus-within", "box-shadow")), VARS["--card"]) >= NON_TEXT


def test_control_borders_stand_out():
    border = colour(decl("select", "border"))
    for name, bg in PAGE_BACKGROUNDS.items():
        assert ratio(border, bg) >= NON_TEXT, f"field border on {name}: {ratio(border, bg):.2f}:1"


@pytest.mark.parametrize(
    "fg,bg",
    [
        ("--muted", "--bg"),
        ("--muted", "--card"),
        ("--warn", "--card"),
        ("--bad", "--card"),
        ("--ok", "--card"),
        ("--brand", "--bg"),
        ("--brand-dark", "--card"),
    ],
)
def test_text_colours_on_the_page(fg, bg):
    assert ratio(VARS[fg], VARS[bg]) >= TEXT, f"{fg} on {bg}: {ratio(VARS[fg], VARS[bg]):.2f}:1"


def test_muted_text_on_table_heads_and_fact_rows():
    for name, bg in PAGE_BACKGROUNDS.items():
        assert ratio(VARS["--muted"], bg) >= TEXT, name


@pytest.mark.parametrize("kind", ["success", "info", "warning", "danger"])
def test_flash_messages(kind):
    sel = f".flash-{kind}"
    fg, bg = colour(decl(sel, "color")), colour(decl(sel, "background"))
    assert ratio(fg, bg) >= TEXT


def test_buttons_and_tabs():
    white = "#ffffff"
    assert ratio(white, colour(decl("button", "background"))) >= TEXT
    assert ratio(white, colour(decl("button:hover", "background"))) >= TEXT
    assert ratio(VARS["--ink"], colour(decl("button.secondary", "background"))) >= TEXT
    assert ratio(white, colour(decl(".tabs a.active", "background"))) >= TEXT
