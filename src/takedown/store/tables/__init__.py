"""Every table of the store, imported together so that the metadata is complete."""

from takedown.store.tables.accounts import (
    ROLES,
    Heartbeat,
    LoginThrottle,
    Token,
    UiSession,
    User,
)
from takedown.store.tables.audit import AuditEvent
from takedown.store.tables.cases import Case, CaseFace, Reference
from takedown.store.tables.detections import Detection
from takedown.store.tables.evidence import Artifact, Evidence
from takedown.store.tables.exchange import Bank, BankChange, BankEntry, IntakeLink
from takedown.store.tables.mail import MailboxCursor, MailMessage
from takedown.store.tables.monitoring import Media, Page, Source, page_media
from takedown.store.tables.notices import Contact, Followup, Notice, notice_detections
from takedown.store.tables.tasks import StageTask

__all__ = [
    "ROLES",
    "Artifact",
    "AuditEvent",
    "Bank",
    "BankChange",
    "BankEntry",
    "Case",
    "CaseFace",
    "Contact",
    "Detection",
    "Evidence",
    "Followup",
    "Heartbeat",
    "IntakeLink",
    "LoginThrottle",
    "MailMessage",
    "MailboxCursor",
    "Media",
    "Notice",
    "Page",
    "Reference",
    "Source",
    "StageTask",
    "Token",
    "UiSession",
    "User",
    "notice_detections",
    "page_media",
]
