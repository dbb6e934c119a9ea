"""Campaign pace per commune (issue 17): for the phase each commune is in, the days left, the
records still to clean, the weekly pace needed against the last four weeks' pace, and the
flags (``domain.campaigns.pace`` judges; this module counts).

Counts, for the communes shown only (every statement grouped over them, ``id_sets.among``):
- *still to clean*: the commune's active records of the phase's kind (``persons.kind``) that
  are not in column (6) (``software_sync.cleaned``);
- *the last four weeks*: column (6) of the phase's kind as frozen in ``week_snapshots`` (kept
  per commune, week and kind) at the last four weekly cut-offs, against the live (6) of the
  same kind now (counted with the records still to clean; for a children's phase the
  dashboard passes the children's figures it already counted).

The dashboard keeps the "still to clean" counts between requests like its own counts
(``PaceCache``): a commune is counted again when its newest record change moved, and at the
latest after the same time limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain import campaigns as dom
from ..domain import reports as report_dom
from ..domain.formatting import DEFAULT_ZONE
from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Campaign, Person, Unit, WeekSnapshot
from .campaigns import campaigns_for
from .id_sets import among
from .progress_board import ChangeKeyedCache
from .reports import cutoff_settings
from .software_sync import cleaned

PAST_WEEKS = 4


@dataclass(frozen=True)
class CommunePace:
    """A commune's campaign (None: it follows none) and its pace in the current phase."""

    unit: Unit
    campaign: Campaign | None
    pace: dom.Pace | None

    @property
    def inherited(self) -> bool:
        return self.campaign is not None and self.campaign.unit_id != self.unit.id


def past_weeks(now: datetime, weekday: int, hour: int, zone_name: str) -> list[tuple[str, date]]:
    """The last PAST_WEEKS closed reporting weeks before the open one, oldest first, with
    their cut-off days."""
    open_week = report_dom.week_of_cutoff(now, weekday, hour, zone_name)
    weeks = [report_dom.shift_week(open_week, -k) for k in range(PAST_WEEKS, 0, -1)]
    return [(w, report_dom.cutoff_day(w, weekday)) for w in weeks]


def frozen_cleaned(session: Session, wanted: dict[int, str], weeks: list[str]) -> dict:
    """Column (6) of the kind asked for ({unit_id: kind}) as frozen, {unit_id: {week: cleaned}}
    (a week missing: not frozen)."""
    out: dict[int, dict[str, int]] = {}
    kinds = sorted(set(wanted.values()))
    cols = (WeekSnapshot.unit_id, WeekSnapshot.person_kind, WeekSnapshot.week,
            WeekSnapshot.cleaned)  # fmt: skip
    for among_ids in among(session, WeekSnapshot.unit_id, list(wanted)):
        for uid, kind, week, n in session.execute(
            select(*cols).where(
                among_ids, WeekSnapshot.person_kind.in_(kinds), WeekSnapshot.week.in_(weeks)
            )
        ):
            if wanted[uid] == kind:
                out.setdefault(uid, {})[week] = n
    return out


def remaining_counts(session: Session, wanted: dict[int, str]) -> dict[int, tuple[int, int]]:
    """Per commune, (its active records of the kind asked for ({unit_id: kind}) that are not
    clean in column (6)'s sense, its column (6) of that kind): grouped over the communes
    (``id_sets.among``)."""
    out = {uid: (0, 0) for uid in wanted}
    kinds = sorted(set(wanted.values()))
    for among_ids in among(session, Person.unit_id, list(wanted)):
        stmt = (
            select(
                Person.unit_id,
                Person.kind,
                func.count(),
                func.sum(case((cleaned(), 1), else_=0)),  # Person.kind is grouped on
            )
            .where(
                among_ids,
                Person.kind.in_(kinds),
                Person.status.not_in(INACTIVE_STATUSES),
            )
            .group_by(Person.unit_id, Person.kind)
        )
        for uid, kind, active, clean in session.execute(stmt):
            if wanted.get(uid) == kind:
                out[uid] = (int(active or 0) - int(clean or 0), int(clean or 0))
    return out


class PaceCache(ChangeKeyedCache):
    """The "still to clean" counts kept between dashboard requests (one per process), like
    ``progress_board.LiveCache``, per commune and kind of person."""

    def remaining(self, session: Session, wanted: dict[int, str]) -> dict[int, tuple[int, int]]:
        return self._counted(
            session,
            list(wanted),
            lambda stale: remaining_counts(session, {uid: wanted[uid] for uid in stale}),
            tag=lambda uid: (uid, wanted[uid]),
        )


def board_pace(
    session: Session,
    units: list[Unit],
    live_cleaned: dict[int, int] | None = None,
    *,
    now: datetime,
    today: date,
    zone_name: str = DEFAULT_ZONE,
    cache: PaceCache | None = None,
) -> list[CommunePace]:
    """The pace of each commune in `units` (in that order) in the phase of its campaign that
    `today` belongs to (``domain.campaigns.current_phase``). `live_cleaned`: the children's
    column (6) of each commune now, as the caller counted it (read for a children's phase;
    counted here otherwise, of the phase's kind)."""
    if not units:
        return []
    followed = campaigns_for(session, units)
    phases = {
        u.id: dom.current_phase(followed[u.id].plan, today) if followed[u.id] else None
        for u in units
    }
    wanted = {uid: phase.kind for uid, phase in phases.items() if phase is not None}
    if not wanted:
        return [CommunePace(u, followed[u.id], None) for u in units]
    weekday, hour = cutoff_settings(session, units[0])
    weeks = past_weeks(now, weekday, hour, zone_name)
    frozen = frozen_cleaned(session, wanted, [w for w, _d in weeks])
    counted = (cache.remaining if cache else lambda s, w: remaining_counts(s, w))(session, wanted)
    live_cleaned = live_cleaned or {}
    out = []
    for u in units:
        phase = phases[u.id]
        if phase is None:
            out.append(CommunePace(u, followed[u.id], None))
            continue
        points = [(day, frozen.get(u.id, {}).get(w)) for w, day in weeks]
        left, clean_now = counted[u.id]
        if phase.kind == "child" and u.id in live_cleaned:
            clean_now = live_cleaned[u.id]
        pace = dom.pace(phase, today, left, points, clean_now)
        out.append(CommunePace(u, followed[u.id], pace))
    return out
