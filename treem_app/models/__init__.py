"""SQLAlchemy models; importing this package registers every table on db.metadata."""

from .batch import Batch
from .job import JobRun
from .person import Finding, Person, PersonEvent
from .unit import Unit
from .user import User

__all__ = ["Batch", "Finding", "JobRun", "Person", "PersonEvent", "Unit", "User"]
