"""SQLAlchemy models; importing this package registers every table on db.metadata."""

from .batch import (
    Batch,
    BatchReturn,
    BatchRow,
    HandoverSettings,
    ReturnEntry,
    ReturnKeying,
    SignedCopy,
)
from .campaign import Campaign, CampaignPhase
from .counts import QueueCount
from .hamlet import Hamlet, HamletMerge
from .imports import ColumnMapping, Conflict, ImportRun
from .job import JobRun
from .person import Finding, Person, PersonEvent
from .report import ReportedTotal, ReportFile, WeekSnapshot
from .review import AccessLog, NotDuplicate, Proposal, VolunteerHamlet
from .submission import FormSubmission
from .unit import Unit
from .user import LoginThrottle, User, UserSession

__all__ = [
    "AccessLog",
    "Batch",
    "BatchReturn",
    "BatchRow",
    "Campaign",
    "CampaignPhase",
    "ColumnMapping",
    "Conflict",
    "Finding",
    "FormSubmission",
    "Hamlet",
    "HamletMerge",
    "HandoverSettings",
    "ImportRun",
    "JobRun",
    "LoginThrottle",
    "NotDuplicate",
    "Person",
    "PersonEvent",
    "Proposal",
    "QueueCount",
    "ReportFile",
    "ReportedTotal",
    "ReturnEntry",
    "ReturnKeying",
    "SignedCopy",
    "Unit",
    "User",
    "UserSession",
    "VolunteerHamlet",
    "WeekSnapshot",
]


def include_object_for(dialect: str):
    """Alembic's ``include_object`` for a database of `dialect`: leaves out the model's objects
    created on another database only (``.ddl_if(dialect=...)``, e.g. PostgreSQL's trigram
    index), so comparing the models with a SQLite database does not ask for them."""

    def include_object(obj, name, type_, reflected, compare_to):
        only = getattr(obj, "_ddl_if", None)
        return reflected or only is None or only.dialect in (None, dialect)

    return include_object
