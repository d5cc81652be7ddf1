"""The domain models; importing this package registers every table on Flask-AppBuilder's metadata."""
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User

from models.activity import (AuditEvent, Complaint, DocumentAccess, InboxMessage, Message, OutboxMessage,
                             SurveyResponse)
from models.application import (Application, ApplicationFile, CartLine, GeneratedDocument,
                                IdempotencyRecord, Payment, ScheduleSlot, StoredFile, WorkItem)
from models.catalog import (Agency, AgencyDayOff, BankAccount, CatalogueItem, DocumentTemplateVersion,
                            NumberSequence, RulesVersion, ServiceType, Signatory)
from models.people import (AccountToken, ApplicationDraft, Asset, AssetTransfer, CustomerProfile,
                           StaffProfile, staff_service)
from models.ops import WorkerHeartbeat
from models.security import AuthStamp, SecurityEvent, UserSessionStamp
from models.people import CaptchaChallenge
from models.participants import Participant, ProviderCustomer
from models.signing import AgencyCertificateAuthority, SignatoryCertificate
from models.booking import Booking, ResourceSlot

__all__ = [
    "Model", "User", "AuditEvent", "Complaint", "InboxMessage", "Message", "OutboxMessage",
    "SurveyResponse", "Application", "ApplicationFile", "CartLine", "GeneratedDocument",
    "IdempotencyRecord", "Payment", "ScheduleSlot", "StoredFile", "Agency", "AgencyDayOff",
    "BankAccount", "CatalogueItem", "NumberSequence", "RulesVersion", "ServiceType", "Signatory",
    "Asset", "AssetTransfer", "CustomerProfile", "StaffProfile", "staff_service", "AccountToken",
    "ApplicationDraft", "DocumentTemplateVersion",
    "WorkerHeartbeat",
    "SecurityEvent", "UserSessionStamp", "AuthStamp",
    "CaptchaChallenge", "DocumentAccess",
    "Participant", "ProviderCustomer",
    "WorkItem",
    "AgencyCertificateAuthority", "SignatoryCertificate",
    "Booking", "ResourceSlot",
]
