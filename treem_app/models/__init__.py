"""SQLAlchemy models; importing this package registers every table on db.metadata."""

from .batch import Batch
from .imports import ColumnMapping, Conflict, ImportRun
from .job import JobRun
from .person import Finding, Person, PersonEvent
from .review import AccessLog, NotDuplicate, Proposal, VolunteerHamlet
from .unit import Unit
from .user import User

__all__ = [
    "AccessLog",
    "Batch",
    "ColumnMapping",
    "Conflict",
    "Finding",
    "ImportRun",
    "JobRun",
    "NotDuplicate",
    "Person",
    "PersonEvent",
    "Proposal",
    "Unit",
    "User",
    "VolunteerHamlet",
]
