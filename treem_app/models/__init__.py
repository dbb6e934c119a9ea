"""SQLAlchemy models; importing this package registers every table on db.metadata."""

from .batch import Batch
from .imports import ColumnMapping, Conflict, ImportRun
from .job import JobRun
from .person import Finding, Person, PersonEvent
from .unit import Unit
from .user import User

__all__ = [
    "Batch",
    "ColumnMapping",
    "Conflict",
    "Finding",
    "ImportRun",
    "JobRun",
    "Person",
    "PersonEvent",
    "Unit",
    "User",
]
