"""Hamlet names: one written form, one matching key for every spelling of a hamlet."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treem_app.domain.cell_outcomes import hamlet_outcome
from treem_app.domain.hamlets import KINDS, hamlet_key, normalize_hamlet, same_hamlet

# The four spellings of the walk-through (issue 11, bug 4): one hamlet.
AN_HOA = ["Thôn An Hòa", "thôn an hòa", "Thôn An Hoà", "Th. An Hòa"]


@pytest.mark.parametrize("raw", AN_HOA)
def test_the_four_spellings_are_one_hamlet(raw):
    assert normalize_hamlet(raw) == "Thôn An Hòa"
    assert hamlet_key(raw) == hamlet_key("Thôn An Hòa") == "thôn an hòa"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # case, spacing, tone placement, Unicode form
        ("THÔN AN HÒA", "Thôn An Hòa"),
        ("  Thôn   An\u00a0 Hòa ", "Thôn An Hòa"),
        (unicodedata.normalize("NFD", "Thôn An Hòa"), "Thôn An Hòa"),
        ("thôn khánh hoà", "Thôn Khánh Hòa"),
        ("Xóm Thuỷ Lợi", "Xóm Thủy Lợi"),
        ("Thôn An Hòa.", "Thôn An Hòa"),
        # "Th." and "Th" for "Thôn", with or without the space after
        ("Th.An Hòa", "Thôn An Hòa"),
        ("Th An Hòa", "Thôn An Hòa"),
        ("TH. AN HÒA", "Thôn An Hòa"),
        ("th. an hoà", "Thôn An Hòa"),
        ("Thon An Hòa", "Thôn An Hòa"),
        # tổ dân phố
        ("TDP 5", "Tổ dân phố 5"),
        ("TDP5", "Tổ dân phố 5"),
        ("Tdp 5", "Tổ dân phố 5"),
        ("T.D.P 5", "Tổ dân phố 5"),
        ("T.D.P. 5", "Tổ dân phố 5"),
        ("T. D. P. 5", "Tổ dân phố 5"),
        ("Tổ DP 5", "Tổ dân phố 5"),
        ("tổ dân phố 5", "Tổ dân phố 5"),
        ("TỔ DÂN PHỐ 5", "Tổ dân phố 5"),
        ("To dan pho 5", "Tổ dân phố 5"),
        ("Tổ dân phố số 5", "Tổ dân phố số 5"),
        # "Tổ" stays "Tổ"
        ("Tổ 3", "Tổ 3"),
        ("tổ 12b", "Tổ 12B"),
        ("tổ12", "Tổ 12"),
        # khu phố
        ("KP 3", "Khu phố 3"),
        ("K.P 3", "Khu phố 3"),
        ("khu phố 3", "Khu phố 3"),
        # other kinds, sentence case
        ("xóm đồng", "Xóm Đồng"),
        ("ấp 3", "Ấp 3"),
        ("ẤP BÌNH AN", "Ấp Bình An"),
        ("bản nà hang", "Bản Nà Hang"),
        ("buôn k'mrơng", "Buôn K'Mrơng"),
        ("khu dân cư số 2", "Khu dân cư số 2"),
        ("thôn1", "Thôn 1"),
        # Roman numerals in capitals; a syllable that looks like one only when written so
        ("thôn ii", "Thôn II"),
        ("Thôn An Hòa IV", "Thôn An Hòa IV"),
        ("Thôn Vi", "Thôn Vi"),
        ("THÔN VI", "Thôn VI"),
        # no kind: none is guessed
        ("an hòa", "An Hòa"),
        ("Thanh Hà", "Thanh Hà"),
        # numbers from a spreadsheet
        (5.0, "5"),
        (7, "7"),
    ],
)
def test_written_form(raw, expected):
    assert normalize_hamlet(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", " . ", "--"])
def test_empty_is_none(raw):
    assert normalize_hamlet(raw) is None
    assert hamlet_key(raw) is None
    assert not same_hamlet(raw, raw)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("TDP 5", "Tổ dân phố số 05"),
        ("T.D.P số 5", "tổ dân phố 5"),
        ("Thôn 01", "thôn 1"),
        ("Tổ 05B", "tổ 5b"),
        ("Thôn An Hòa - 2", "Th. An Hòa 2"),
        ("KP 3", "Khu phố 03"),
    ],
)
def test_same_hamlet(a, b):
    assert same_hamlet(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thôn An Hòa", "Thôn An Hóa"),  # other diacritics: maybe two hamlets
        ("Thôn An Hòa", "An Hòa"),  # the kind is not guessed
        ("Tổ 5", "Tổ dân phố 5"),  # "Tổ" stays "Tổ"
        ("Thôn 1", "Thôn 11"),
        ("Thôn An Hòa", "Thôn An Hòa 2"),
        ("Thanh Hà", "Thôn Hà"),  # "Th" inside a word is no abbreviation
    ],
)
def test_different_hamlets(a, b):
    assert not same_hamlet(a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_written_in_sentence_case(kind):
    assert normalize_hamlet(f"{kind.upper()} BÌNH AN") == f"{kind} Bình An"


def test_legacy_encodings_are_decoded():
    assert normalize_hamlet("Th«n An Hßa") == "Thôn An Hòa"  # TCVN3
    assert normalize_hamlet("Thoân An Hoøa") == "Thôn An Hòa"  # VNI


def test_import_records_case_and_abbreviations_but_not_spacing():
    assert hamlet_outcome("Th. An Hòa") == ("Thôn An Hòa", True)
    assert hamlet_outcome("thôn an hòa") == ("Thôn An Hòa", True)
    assert hamlet_outcome("Thôn  An Hòa") == ("Thôn An Hòa", False)
    assert hamlet_outcome("Thôn An Hòa") == ("Thôn An Hòa", False)
    assert hamlet_outcome(None) == (None, False)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ThônAnHòaoàTDP. 0123456789tổdânphốKxóm'-")), max_size=30)
)
def test_normalising_twice_changes_nothing(raw):
    once = normalize_hamlet(raw)
    if once is None:
        return
    assert normalize_hamlet(once) == once
    assert hamlet_key(once) == hamlet_key(raw)
    assert unicodedata.is_normalized("NFC", once)
