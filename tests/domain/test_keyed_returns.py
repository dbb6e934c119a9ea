"""Keyed answers from the signed paper list: tidying, pairing two passes, the live message."""

from treem_app.domain.keyed_returns import Keyed, live_message, pair
from treem_app.domain.police_returns import Outcome, read_result


def test_typed_rows_are_tidied_and_read_like_the_sheet():
    row = Keyed.typed(" 052 215 000 123 ", "verified", "  ghi   chú ")
    assert row == Keyed("052215000123", "verified", "ghi chú")
    assert row.answer().result == "Đã xác thực" and read_result("Khớp") == "verified"
    assert Keyed.typed("", "bogus", "").empty


def test_two_passes_agree_on_the_number_and_the_result_only():
    one = Keyed("052215000123", "verified", "a")
    assert pair(one, Keyed("052 215 000 123", "verified", "b")) == (one, False)
    assert pair(one, Keyed("052215000124", "verified")) == (None, True)
    assert pair(one, None) == (None, True)
    assert pair(None, Keyed()) == (None, False)


def test_the_live_message_names_the_problem_in_words():
    assert live_message(Outcome("empty", None, None, "")) == ("", "")
    tone, text = live_message(Outcome("verified", None, "052215000123", ""))
    assert tone == "ok" and "052215000123" in text
    assert live_message(Outcome("rejected", "POLICE_NOT_FOUND", None, "x"))[0] == "info"
    assert live_message(Outcome("rejected", "ID_FORMAT", "1", "x"))[0] == "error"
