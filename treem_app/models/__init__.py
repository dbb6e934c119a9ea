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
