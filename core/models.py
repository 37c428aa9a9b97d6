"""Every core model, imported in one place for Alembic and the app."""

from core.audit import AuditEvent, AuditHead
from core.changelog import ChangeCounter, ChangeLog, Watermark
from core.mfa import RecoveryCode
from core.reference import Industry, Region
from core.sessions import UserSession
from core.users import ApiClient, User

__all__ = [
    "ApiClient",
    "AuditEvent",
    "AuditHead",
    "ChangeCounter",
    "ChangeLog",
    "Industry",
    "RecoveryCode",
    "Region",
    "User",
    "UserSession",
    "Watermark",
]
