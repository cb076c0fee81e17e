"""The store: SQLAlchemy models, the session factory and the migrations."""

from takedown.store.base import Base, utcnow
from takedown.store.db import Database

__all__ = ["Base", "Database", "utcnow"]
