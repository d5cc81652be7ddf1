"""A customer starts an application: validated whole, stored whole (row, files, cart, audit event) or not at all."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.security.access import role_names
from app.commands.application.effects import EffectContext, assign_number
from app.outbox.notify import notification_context, queue_notifications
from app.commands.application.files import attach_files, classify_uploads
from app.core.errors import ForbiddenError, N_, NotFoundError, ValidationError, translate

ASSET_PHOTO_PURPOSE = "asset_photo"   # ApplicationFile.purpose of the instrument's photo at submission
ASSET_PHOTO_KEY = "foto_alat"
from app.extensions import db
from app.storage.files import FileStore
from app.commands.rules.state import rules_state
from app.security.roles import CUSTOMER_ROLE
from app.commands.application.sla_clock import SlaClock
from app.commands.booking import book_at_submission, slot_problem, wizard_booking
from app.workflow.fields import FieldContext, jsonable, local_today, validate_fields
from app.workflow.numbering import receipt_numbering
from models import (Application, Asset, AuditEvent, CartLine, CatalogueItem, CustomerProfile,
                    ResourceSlot, ServiceType, User)
from app.core.formatting import as_utc
from app.commands.base import Command
from models.base import utcnow

# stored as written (the audit record); shown through the catalogs (app.core.errors.translate)
CREATED_LABEL = N_("Permohonan dibuat")
SLOT_FIELD = "slot_id"   # the slot chosen in the wizard: the form's and the API's field, its errors' key

COMPANY_FIELDS = [
    {"key": "nib", "label": "NIB", "type": "text", "max_length": 13},
    {"key": "npwp", "label": "NPWP", "type": "npwp"},
    {"key": "npwpd", "label": "NPWPD", "type": "text", "max_length": 32},
    {"key": "name", "label": N_("Nama Perusahaan"), "type": "text", "max_length": 255},
    {"key": "address", "label": N_("Alamat Perusahaan"), "type": "textarea"},
    {"key": "province", "label": N_("Provinsi"), "type": "text"},
    {"key": "regency", "label": N_("Kab/Kota"), "type": "text"},
    {"key": "district", "label": N_("Kecamatan"), "type": "text"},
    {"key": "village", "label": N_("Kelurahan"), "type": "text"},
    {"key": "form", "label": N_("Bentuk Perusahaan"), "type": "select",
     "options": [{"value": v, "label": v} for v in ("PT", "CV", "Firma", "Koperasi", "Yayasan", "Perorangan", "Lainnya")]},
    {"key": "status", "label": N_("Status Perusahaan"), "type": "select",
     "options": [{"value": v, "label": v} for v in ("Pusat", "Cabang")]},
    {"key": "phone", "label": N_("Telp"), "type": "phone"},
    {"key": "postal_code", "label": N_("Kode Pos"), "type": "text", "max_length": 5},
]
LOCATION_FIELDS = [
    {"key": "street", "label": N_("Jalan"), "type": "text", "required": True, "max_length": 255},
    {"key": "rt_rw", "label": "RT/RW", "type": "text", "max_length": 16},
    {"key": "province", "label": N_("Provinsi"), "type": "text"},
    {"key": "regency", "label": N_("Kab/Kota"), "type": "text"},
    {"key": "district", "label": N_("Kecamatan"), "type": "text"},
    {"key": "village", "label": N_("Kelurahan"), "type": "text"},
    {"key": "coordinates", "label": N_("Koordinat"), "type": "coordinates", "required": True},
]


class CreateApplicationCommand(Command):
    def __init__(self, actor: User, service_key: str, *, fields: dict | None = None,
                 request_kind: str | None = None, cart: list[dict] | None = None,
                 company: dict | None = None, location: dict | None = None,
                 asset_id: int | None = None, declaration: bool = False,
                 files: dict | None = None, slot_id: int | None = None, now: datetime | None = None):
        self.actor = actor
        self.service_key = service_key
        self.fields = dict(fields or {})
        self.request_kind = request_kind
        self.cart = list(cart or [])
        self.company = dict(company or {})
        self.location = dict(location or {})
        self.asset_id = asset_id
        self.declaration = bool(declaration)
        self.files = dict(files or {})
        self.slot_id = slot_id
        self.now = as_utc(now) if now else utcnow()
        self.store = FileStore.current()

    def _run(self) -> Application:
        session = db.session
        if CUSTOMER_ROLE not in role_names(self.actor):
            raise ForbiddenError(N_("Hanya pemohon yang dapat mengajukan permohonan."))
        service = session.scalar(select(ServiceType).where(ServiceType.key == self.service_key,
                                                           ServiceType.active.is_(True)))
        if service is None:
            raise NotFoundError(N_("Layanan tidak ditemukan."))
        rules = rules_state().rules_for(service.rules_version_id)
        spec = rules.service(service.key)
        workflow = rules.workflow_for(service.key)
        initial = workflow["initial"]
        profile = session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == self.actor.id))

        errors: dict[str, str] = {}
        kinds = spec.get("customer_kinds") or ["person", "company", "institution"]
        if profile is None or profile.kind not in kinds:
            errors["_customer"] = translate(N_("Jenis akun Anda tidak dapat mengajukan layanan ini."))
        request_kind = self.request_kind or (spec.get("request_kinds") or ["baru"])[0]
        if request_kind not in (spec.get("request_kinds") or ["baru"]):
            errors["request_kind"] = translate(N_("Jenis permohonan tidak tersedia untuk layanan ini."))
        cleaned, field_errors = validate_fields(spec.get("fields", []), self.fields, {},
                                                context=FieldContext(today=local_today(service.agency.timezone)))
        errors.update(field_errors)
        company = self._section(spec.get("company_data", "none"), COMPANY_FIELDS, self.company,
                                "company", errors, required_keys=("name",))
        location = self._section(spec.get("location", "none"), LOCATION_FIELDS, self.location,
                                 "location", errors)
        asset = self._asset(spec, errors)
        if spec.get("declaration") and not self.declaration:
            errors["declaration"] = translate(N_("Pernyataan wajib disetujui."))
        lines = self._cart_lines(service, spec, errors)
        slot = self._slot(service, rules, spec, errors)
        requirements, _, upload_errors = classify_uploads(self.files, spec, [])
        errors.update(upload_errors)
        if errors:
            raise ValidationError(details={"field_errors": errors})

        application = Application(
            service_type_id=service.id, agency_id=service.agency_id, rules_version_id=service.rules_version_id,
            customer_id=self.actor.id, asset_id=asset.id if asset else None, request_kind=request_kind,
            state=initial, data=jsonable(cleaned), company=jsonable(company),
            location=jsonable(location), declaration_accepted=self.declaration,
            total_amount=sum((line.amount for line in lines), Decimal(0)), created_at=self.now)
        application.cart_lines = lines
        session.add(application)
        session.flush()
        clock = SlaClock(rules, service.agency)
        clock.enter_state(application, to_state=initial, state_spec=rules.state_for(service.key, initial),
                          service_spec=spec, now=self.now)
        event = AuditEvent(application_id=application.id, actor_id=self.actor.id, actor_roles=["customer"],
                           action="create", action_label=CREATED_LABEL,
                           timeline_label=CREATED_LABEL, from_state=None,
                           to_state=application.state, values={}, created_at=self.now,
                           rules_version_id=application.rules_version_id)
        session.add(event)
        session.flush()
        attach_files(application, requirements, purpose="requirement", store=self.store,
                     actor=self.actor, event=event)
        if asset is not None and asset.photo_file_id:
            # the instrument as it was applied for: staff see its photo through the file routes
            from models import ApplicationFile
            session.add(ApplicationFile(application_id=application.id, file_id=asset.photo_file_id,
                                        purpose=ASSET_PHOTO_PURPOSE, doc_key=ASSET_PHOTO_KEY,
                                        audit_event_id=event.id, uploaded_by_id=self.actor.id))
        # Every application gets a real receipt now (the rules' receipt_numbering or the platform's
        # random default): the number the customer is shown is the one /lacak finds.
        key, numbering = receipt_numbering(rules, spec)
        ctx = EffectContext(application=application, actor=self.actor, rules=rules,
                            service_spec=spec, values={}, note="", clock=clock, now=self.now,
                            store=self.store, event=event)
        assign_number(ctx, {"numbering": key, "definition": numbering, "to": "receipt"})
        session.flush()
        submit_notify = (workflow.get("on_submit") or {}).get("notify") or []
        if submit_notify:
            queue_notifications(submit_notify, application, rules, actor=self.actor,
                                context=notification_context(application, rules, actor=self.actor,
                                                         step=event.timeline_label, step_at=event.created_at),
                                audit_event_id=event.id)
            session.flush()
        if slot is not None:
            # the wizard's "Pilih Jadwal": the seat is taken last, in this transaction (the application
            # and the booking are stored together or not at all; the seat's row is held the shortest)
            book_at_submission(application, self.actor, slot, self.now, field=SLOT_FIELD)
        return application

    def _section(self, mode: str, specs: list[dict], values: dict, prefix: str, errors: dict,
                 required_keys: tuple[str, ...] = ()) -> dict:
        if mode == "none" or (mode == "optional" and not any(str(v or "").strip("-0 ") for v in values.values())):
            return {}
        field_specs = [dict(f, required=f.get("required", False) or f["key"] in required_keys) for f in specs]
        cleaned, section_errors = validate_fields(field_specs, values, {})
        errors.update({f"{prefix}.{k}": v for k, v in section_errors.items()})
        return cleaned

    def _slot(self, service: ServiceType, rules, spec, errors: dict) -> ResourceSlot | None:
        """The slot chosen in the wizard (``slot_id``), checked; None when none was chosen. The
        service's ``booking.wizard`` says whether one must be (required) or may be chosen."""
        mode = wizard_booking(rules, service.key)
        if self.slot_id is None:
            if mode == "required":
                errors[SLOT_FIELD] = translate(N_("Pilih salah satu jadwal."))
            return None
        if mode == "none":
            errors[SLOT_FIELD] = translate(N_("Jadwal layanan ini tidak dipilih saat pengajuan."))
            return None
        slot = db.session.get(ResourceSlot, self.slot_id)
        problem = slot_problem(slot, service.agency_id, spec.booking, self.now)
        if problem is not None:
            errors[SLOT_FIELD] = translate(problem)
            return None
        return slot

    def _asset(self, spec: dict, errors: dict) -> Asset | None:
        asset_spec = spec.get("asset")
        if not asset_spec:
            return None
        asset = db.session.get(Asset, self.asset_id) if self.asset_id else None
        if asset is None or asset.owner_id != self.actor.id or asset.kind != asset_spec.get("kind"):
            errors["asset_id"] = translate(N_("Pilih alat milik Anda yang akan diajukan."))
            return None
        return asset

    def _cart_lines(self, service: ServiceType, spec: dict, errors: dict) -> list[CartLine]:
        if not spec.get("cart"):
            return []
        items = {i.code: i for i in db.session.scalars(select(CatalogueItem).where(
            CatalogueItem.service_type_id == service.id, CatalogueItem.active.is_(True)))}
        lines = []
        for index, entry in enumerate(self.cart):
            item = items.get(str(entry.get("code") or ""))
            try:
                quantity = int(entry.get("quantity", 1))
            except (TypeError, ValueError):
                quantity = 0
            if item is None:
                errors[f"cart.{index}.code"] = translate(N_("Produk tidak ditemukan pada katalog layanan ini."))
                continue
            if quantity < 1 or quantity > 10000:
                errors[f"cart.{index}.quantity"] = translate(N_("Jumlah harus antara 1 dan 10000."))
                continue
            lines.append(CartLine(catalogue_item_id=item.id, quantity=quantity, unit_price=item.price,
                                  amount=item.price * quantity, note=str(entry.get("note") or "")[:2000]))
        if not lines and "cart" not in errors and not any(k.startswith("cart.") for k in errors):
            errors["cart"] = translate(N_("Keranjang masih kosong: pilih minimal satu produk."))
        return lines

