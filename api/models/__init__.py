"""SQLModel tables, one per module; importing this package registers them all."""

from api.models.audit_event import AuditEvent
from api.models.audit_subject import AuditSubject
from api.models.birth import Birth
from api.models.birth_service_application import BirthServiceApplication
from api.models.birth_service_certificate import BirthServiceCertificate
from api.models.client import Client
from api.models.crosscheck_run import CrosscheckRun
from api.models.discrepancy import Discrepancy
from api.models.discrepancy_comment import DiscrepancyComment
from api.models.feed_event import FeedEvent
from api.models.household_entry import HouseholdEntry
from api.models.idempotency_record import IdempotencyRecord
from api.models.issued_token import IssuedAccessToken
from api.models.journal_head import JournalHead
from api.models.marriage import Marriage
from api.models.person import Person
from api.models.record_version import RecordVersion
from api.models.revoked_token import RevokedToken
from api.models.staff_user import StaffUser
from api.models.ultrasound_exam import UltrasoundExam

__all__ = [
    "AuditEvent",
    "AuditSubject",
    "Birth",
    "BirthServiceApplication",
    "BirthServiceCertificate",
    "Client",
    "CrosscheckRun",
    "Discrepancy",
    "DiscrepancyComment",
    "FeedEvent",
    "HouseholdEntry",
    "IdempotencyRecord",
    "IssuedAccessToken",
    "JournalHead",
    "Marriage",
    "Person",
    "RecordVersion",
    "RevokedToken",
    "StaffUser",
    "UltrasoundExam",
]
