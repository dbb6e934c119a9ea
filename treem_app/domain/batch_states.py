"""The handover batch's life cycle as a pure state machine (no Flask, no SQLAlchemy).

draft → issued → (partly returned →) returned → closed, and cancelled (with a reason) from draft
or issued. A batch is partly returned while some of its rows have no answer from the police yet
(or a conflict the officer has not decided); it can be closed then, its open rows going back to
the work queue.
Every state change in the services goes through `transition()`, so an illegal move is refused
here whatever the caller (view, job or CLI) is.
"""

from __future__ import annotations

from enum import StrEnum

from .formatting import vn_number


class BatchState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTLY_RETURNED = "partly_returned"
    RETURNED = "returned"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATE_LABELS = {
    BatchState.DRAFT: "Đang soạn",
    BatchState.ISSUED: "Đã chuyển công an",
    BatchState.PARTLY_RETURNED: "Công an trả một phần",
    BatchState.RETURNED: "Công an đã trả",
    BatchState.CLOSED: "Đã hoàn tất",
    BatchState.CANCELLED: "Đã hủy",
}

# The legal moves. A returned sheet is being applied to the records, so it can no longer be
# cancelled; closed and cancelled are final.
TRANSITIONS: dict[BatchState, frozenset[BatchState]] = {
    BatchState.DRAFT: frozenset({BatchState.ISSUED, BatchState.CANCELLED}),
    BatchState.ISSUED: frozenset(
        {BatchState.PARTLY_RETURNED, BatchState.RETURNED, BatchState.CANCELLED}
    ),
    BatchState.PARTLY_RETURNED: frozenset({BatchState.RETURNED, BatchState.CLOSED}),
    BatchState.RETURNED: frozenset({BatchState.PARTLY_RETURNED, BatchState.CLOSED}),
    BatchState.CLOSED: frozenset(),
    BatchState.CANCELLED: frozenset(),
}

# A record in a batch in one of these states is in no other batch.
OPEN_STATES = frozenset(
    {BatchState.DRAFT, BatchState.ISSUED, BatchState.PARTLY_RETURNED, BatchState.RETURNED}
)
# The police's answers (a returned sheet, keyed entry) are taken in these states.
RETURNABLE_STATES = frozenset({BatchState.ISSUED, BatchState.PARTLY_RETURNED, BatchState.RETURNED})
# The content (rows) may change only while drafting.
EDITABLE_STATES = frozenset({BatchState.DRAFT})


class InvalidTransition(ValueError):
    """A refused state change; the message is Vietnamese and shown to the user."""

    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        super().__init__(
            f"Không thể chuyển danh sách từ trạng thái “{label(current)}” sang “{label(target)}”."
        )


def label(state: str) -> str:
    """The Vietnamese name of a state (the raw value when unknown)."""
    try:
        return STATE_LABELS[BatchState(state)]
    except ValueError:
        return str(state)


def can_transition(current: str, target: str) -> bool:
    try:
        return BatchState(target) in TRANSITIONS[BatchState(current)]
    except ValueError:
        return False


def transition(current: str, target: str) -> BatchState:
    """Return the new state, or raise InvalidTransition when the move is not allowed
    (including unknown states and staying in the same state)."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)
    return BatchState(target)


# The largest list: a commune's week is tens to hundreds of children, and one list is one
# signed paper document (about 25 rows a page). TREEM_MAX_BATCH_ROWS may change it.
MAX_BATCH_ROWS = 500


def too_many(n: int, max_rows: int) -> str:
    return (
        f"Có {vn_number(n)} hồ sơ, vượt giới hạn {vn_number(max_rows)} hồ sơ của một danh sách. "
        "Hãy chia nhỏ: lập danh sách cho từng thôn, hoặc lập danh sách với "
        f"{vn_number(max_rows)} hồ sơ đầu tiên và chuyển phần còn lại vào danh sách tuần sau."
    )
