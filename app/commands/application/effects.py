"""Performers of the rules' effects, keyed by name; all write in the transition's transaction."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import exists, select

from app.workflow.validity import next_reminder_on, validity_dates
from app.core.errors import N_, ValidationError, translate
from app.extensions import db
from app.storage.files import FileStore
from app.core.formatting import as_utc, format_datetime, format_money, format_number, from_local
from app.rules.tariff import TariffError, evaluate_tariff, explain_tariff, is_plain, parse_tariff
from app.outbox.notify import queue_notifications
from app.commands.application.numbers import draw_number
from app.documents.signing import last_revocation, unlock_private_key
from app.rules.model import Rules
from app.commands.application.sla_clock import SlaClock, local_value_to_utc, to_local
from app.workflow.fields import FieldValueError, clean_billing_code
from models import (Application, AuditEvent, BankAccount, GeneratedDocument, OutboxMessage, Payment,
                    ScheduleSlot, Signatory, StoredFile, User)


@dataclass
class EffectContext:
    application: Application
    actor: User | None
    rules: Rules
    service_spec: dict
    values: dict
    note: str
    clock: SlaClock
    now: datetime
    store: FileStore
    event: AuditEvent
    saved_files: dict[str, StoredFile] = field(default_factory=dict)
    notification_context: Callable[[], dict] | None = None

    def field_error(self, key: str, message: str, **params) -> ValidationError:
        return ValidationError(details={"field_errors": {key: translate(message, **params)}})


def _numbers_taken(application: Application, to: str) -> Callable[[str], bool]:
    if to in ("number", "receipt"):
        column = getattr(Application, to)
        return lambda value: db.session.scalar(select(exists().where(column == value)))
    return lambda value: False


def assign_number(ctx: EffectContext, args: dict) -> None:
    app = ctx.application
    to = args["to"]
    when = to_local(ctx.now, ctx.clock.tz)  # numbers carry the agency's local date
    numbering = args.get("definition") or ctx.rules.numbering(args["numbering"])
    value = draw_number(numbering, args["numbering"], when=when, agency=app.agency.code,
                        service=app.service_type.code, is_taken=_numbers_taken(app, to))
    if to in ("number", "receipt"):
        setattr(app, to, value)
    else:
        app.numbers = {**(app.numbers or {}), to: value}


def set_deadline(ctx: EffectContext, args: dict) -> None:
    """A deadline the customer sees: in days it ends with a working day in the agency's zone
    (SlaClock.due); stored as ISO 8601 UTC with its offset."""
    sla = {k: v for k, v in args.items() if k in ("working_days", "days", "hours", "minutes")}
    due = ctx.clock.due(ctx.now, sla)
    ctx.application.deadlines = {**(ctx.application.deadlines or {}), args["key"]: as_utc(due).isoformat()}


def clear_deadline(ctx: EffectContext, args: dict) -> None:
    deadlines = dict(ctx.application.deadlines or {})
    deadlines.pop(args["key"], None)
    ctx.application.deadlines = deadlines


def assign(ctx: EffectContext, args: dict) -> None:
    if args.get("clear"):
        ctx.application.assignee_id = None
    elif args.get("actor"):
        ctx.application.assignee_id = ctx.actor.id if ctx.actor else None
    else:
        ctx.application.assignee_id = int(ctx.values[args["field"]])
    db.session.flush()
    db.session.refresh(ctx.application, ["assignee"])


def set_field(ctx: EffectContext, args: dict) -> None:
    ctx.application.data = {**(ctx.application.data or {}), args["field"]: args.get("value")}


def open_payment(application: Application, statuses: tuple[str, ...], kind: str | None = None) -> Payment | None:
    """The latest current payment in one of ``statuses`` (of ``kind`` when given; never a refund)."""
    payments = [p for p in application.payments if p.status in statuses and p.superseded_at is None
                and p.kind != "refund" and (kind is None or p.kind == kind)]
    return payments[-1] if payments else None


def _invoice_due(ctx: EffectContext, due: dict | None) -> datetime | None:
    if not due:
        return None
    if "field" in due:
        value = ctx.values.get(due["field"])
        if value in (None, ""):
            return None
        return local_value_to_utc(value, ctx.clock.tz)
    return ctx.clock.due(ctx.now, due)


def create_invoice(ctx: EffectContext, args: dict) -> None:
    """A new unpaid payment; an earlier invoice still unpaid (e.g. an expired billing code) is
    kept as history, superseded by this one."""
    app = ctx.application
    computation = ""
    if "amount_field" in args:
        amount = Decimal(str(ctx.values.get(args["amount_field"]) or 0))
    elif "amount_expr" in args:
        amount, computation = computed_tariff(ctx, args["amount_expr"])
    else:
        amount = sum((line.amount for line in app.cart_lines), Decimal(0))
    kind = args.get("kind") or "fee"
    for earlier in app.payments:
        if earlier.status == "unpaid" and earlier.superseded_at is None and earlier.kind == kind:
            earlier.superseded_at = ctx.now
    if kind == "fee":
        app.total_amount = amount
    app.payments.append(Payment(amount=amount, status="unpaid", due_at=_invoice_due(ctx, args.get("due")),
                                opened_by=ctx.event.action or "", computation=computation, kind=kind))


# ---- fees (issue 13, item 5): a tariff computed from data
def booked_days(application: Application, tz: str) -> int:
    """Calendar days (agency-local, both ends counted) the application has booked: its resource
    booking (``booking:`` in the rules), else its chosen schedule slot; 0 when none."""
    from app.commands.booking import active_booking

    booking = active_booking(application)
    if booking is not None:
        starts_at, ends_at = booking.slot.starts_at, booking.slot.ends_at
    else:
        chosen = [slot for slot in application.slots if slot.status == "chosen"]
        if not chosen:
            return 0
        starts_at, ends_at = chosen[-1].starts_at, chosen[-1].ends_at
    start = to_local(starts_at, tz).date()
    end = to_local(ends_at, tz).date() if ends_at else start
    return max((end - start).days + 1, 1)


def tariff_inputs(ctx: EffectContext) -> tuple[dict, dict]:
    """(field values — the application's data, then this form's —, the plain names' values)."""
    app = ctx.application
    fields = {**(app.data or {}), **{k: v for k, v in ctx.values.items() if v not in (None, "")}}
    names = {"cart_total": sum((line.amount for line in app.cart_lines), Decimal(0)),
             "cart_quantity": sum((Decimal(str(line.quantity or 0)) for line in app.cart_lines), Decimal(0)),
             "booked_days": booked_days(app, ctx.clock.tz)}
    return fields, names


def computed_tariff(ctx: EffectContext, expression: str) -> tuple[Decimal, str]:
    """The amount of ``amount_expr`` in whole rupiah and its computation in (Indonesian) words."""
    try:
        tree = parse_tariff(expression)
        fields, names = tariff_inputs(ctx)
        amount = evaluate_tariff(tree, fields, names)
    except TariffError as error:
        raise ValidationError(N_("Tarif tidak dapat dihitung: %(reason)s"),
                              reason=translate(error.message.template, **error.message.params)) from error
    if is_plain(tree):
        return amount, ""
    labels = {spec.key: getattr(spec.label, "id", spec.label) or spec.key for spec in _service_fields(ctx)}

    def field_words(key: str, value) -> str:
        if isinstance(value, (int, float, Decimal, str)) and _is_money_field(ctx, key):
            return format_money(value, locale="id")
        return f"{format_number(value or 0, locale='id')} ({labels.get(key) or key})"

    def name_words(name: str, value) -> str:
        if name == "booked_days":
            return f"{value} hari"
        return format_money(value, locale="id") if name == "cart_total" else format_number(value, locale="id")

    words = explain_tariff(tree, fields, names, money=lambda v: format_money(v, locale="id"),
                           number=lambda v: format_number(v, locale="id"), field_words=field_words, name_words=name_words)
    return amount, words


def _service_fields(ctx: EffectContext) -> list:
    return list(getattr(ctx.service_spec, "fields", None) or [])


def _is_money_field(ctx: EffectContext, key: str) -> bool:
    return any(spec.key == key and spec.type == "money" for spec in _service_fields(ctx))
# ---- end fees


def set_billing_code(ctx: EffectContext, args: dict) -> None:
    payment = open_payment(ctx.application, ("unpaid", "suspended"))
    if payment is None:
        raise ValidationError(N_("Tidak ada tagihan yang dapat diberi kode billing."))
    if "field" in args:
        try:
            payment.billing_code = clean_billing_code(ctx.values.get(args["field"]))
        except FieldValueError as error:
            raise ctx.field_error(args["field"], error.message.template, **error.message.params) from error
        return
    app = ctx.application
    numbering = ctx.rules.numbering(args["numbering"])
    code = draw_number(
        numbering, args["numbering"], when=to_local(ctx.now, ctx.clock.tz), agency=app.agency.code,
        service=app.service_type.code,
        is_taken=lambda value: db.session.scalar(select(exists().where(Payment.billing_code == value))))
    try:
        payment.billing_code = clean_billing_code(code)
    except FieldValueError as error:  # a sequence that outgrew its width: refuse rather than issue a bad code
        raise ValidationError(N_("Kode billing %(code)s tidak dapat diterbitkan: %(reason)s"),
                              code=code, reason=translate(error.message.template, **error.message.params)) from error


def record_payment_proof(ctx: EffectContext, args: dict) -> None:
    payment = open_payment(ctx.application, ("unpaid", "suspended"), args.get("kind"))
    if payment is None:
        raise ValidationError(N_("Tidak ada tagihan yang menunggu pembayaran."))
    if payment.status == "suspended":
        # the suspended attempt (its proof, reason and date) stays as history; the new proof is a
        # new attempt on the same invoice
        payment.superseded_at = ctx.now
        payment = Payment(amount=payment.amount, status="unpaid", billing_code=payment.billing_code,
                          due_at=payment.due_at, overdue_handled=payment.overdue_handled,
                          opened_by=payment.opened_by, bank_account_id=payment.bank_account_id,
                          kind=payment.kind, computation=payment.computation)
        ctx.application.payments.append(payment)
    stored = ctx.saved_files.get(args["file_field"])
    payment.proof_file_id = stored.id if stored else None
    if args.get("account_field"):
        key = ctx.values.get(args["account_field"])
        account = db.session.scalar(select(BankAccount).where(
            BankAccount.agency_id == ctx.application.agency_id, BankAccount.key == key))
        payment.bank_account_id = account.id if account else None
    if args.get("reference_field"):
        payment.reference_no = str(ctx.values.get(args["reference_field"]) or "")
    if args.get("date_field"):
        value = ctx.values.get(args["date_field"])
        payment.paid_on = value.isoformat() if hasattr(value, "isoformat") else (value or None)
    payment.status = "submitted"
    payment.submitted_at = ctx.now


def set_payment_status(ctx: EffectContext, args: dict) -> None:
    payment = open_payment(ctx.application, ("submitted",), args.get("kind"))
    if payment is None:
        raise ValidationError(N_("Belum ada bukti pembayaran yang menunggu validasi."))
    if args.get("date_field"):
        paid_on = ctx.values.get(args["date_field"])
        if paid_on:
            paid_on = str(paid_on)[:10]
            if paid_on > to_local(ctx.now, ctx.clock.tz).date().isoformat():
                raise ctx.field_error(args["date_field"], N_("Tanggal pembayaran tidak boleh setelah hari ini."))
            payment.paid_on = paid_on
    if args.get("amount_field") and ctx.values.get(args["amount_field"]) is not None:
        payment.amount_received = Decimal(str(ctx.values[args["amount_field"]]))
    if args.get("reference_field") and ctx.values.get(args["reference_field"]):
        payment.bank_reference = str(ctx.values[args["reference_field"]])
    if args.get("ntpn_field") and ctx.values.get(args["ntpn_field"]):
        payment.ntpn = str(ctx.values[args["ntpn_field"]])
    payment.status = args["status"]
    payment.decided_by_id = ctx.actor.id if ctx.actor else None
    payment.decided_at = ctx.now
    payment.note = ctx.note


# ---- fees (issue 13, item 7): a deposit's transfer back
def refundable(deposit: Payment, payments: list[Payment]) -> Decimal:
    """What is left to return of a validated deposit: what was received (or due) less earlier refunds."""
    received = deposit.amount_received if deposit.amount_received is not None else deposit.amount
    returned = sum((p.amount for p in payments if p.kind == "refund" and p.refund_of_id == deposit.id), Decimal(0))
    return max(received - returned, Decimal(0))


def record_refund(ctx: EffectContext, args: dict) -> None:
    """A refund line: the validated deposit (or part of it) transferred back to the customer."""
    app = ctx.application
    deposits = [p for p in app.payments if p.kind == "deposit" and p.status == "valid" and p.superseded_at is None]
    if not deposits:
        raise ValidationError(N_("Tidak ada uang jaminan tervalidasi yang dapat dikembalikan."))
    deposit = deposits[-1]
    db.session.flush()  # the deposit's id, for refund_of
    left = refundable(deposit, app.payments)
    amount = ctx.values.get(args["amount_field"])
    amount = Decimal(str(amount)) if amount not in (None, "") else None
    if amount is None or amount <= 0 or amount != amount.to_integral_value():
        raise ctx.field_error(args["amount_field"], N_("Jumlah pengembalian harus rupiah utuh lebih dari nol."))
    if amount > left:
        raise ctx.field_error(args["amount_field"], N_("Jumlah pengembalian paling banyak %(amount)s (uang jaminan yang belum dikembalikan)."),
                              amount=format_money(left))
    transferred = str(ctx.values.get(args["date_field"]) or "")[:10]
    if transferred > to_local(ctx.now, ctx.clock.tz).date().isoformat():
        raise ctx.field_error(args["date_field"], N_("Tanggal pengembalian tidak boleh setelah hari ini."))
    account = str(ctx.values.get(args["account_field"]) or "").strip()
    reference = str(ctx.values.get(args["reference_field"]) or "").strip() if args.get("reference_field") else ""
    app.payments.append(Payment(
        kind="refund", amount=amount, status="valid", refund_of_id=deposit.id, paid_on=transferred or None,
        refund_account=account, bank_reference=reference, opened_by=ctx.event.action or "",
        decided_by_id=ctx.actor.id if ctx.actor else None, decided_at=ctx.now, note=ctx.note))
# ---- end fees


def offer_slots(ctx: EffectContext, args: dict) -> None:
    for slot in ctx.application.slots:
        if slot.status == "offered":
            slot.status = "withdrawn"
    for spec in ctx.values.get(args["field"]) or []:
        ctx.application.slots.append(ScheduleSlot(
            starts_at=_as_datetime(spec["start"], ctx.clock.tz),
            ends_at=_as_datetime(spec.get("end"), ctx.clock.tz), location=spec.get("location") or ""))


def _as_datetime(value, tz: str):
    """A slot typed by staff is the office's wall-clock time: stored as UTC like every time."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return from_local(value, tz)


def choose_slot(ctx: EffectContext, args: dict) -> None:
    chosen = int(ctx.values[args["field"]])
    for slot in ctx.application.slots:
        if slot.status == "offered":
            slot.status = "chosen" if slot.id == chosen else "withdrawn"


def generate(ctx: EffectContext, args: dict) -> None:
    """Queue each document: the worker renders it after commit (the customer sees "sedang
    disiapkan" until then)."""
    for key in args["documents"]:
        queue_document(ctx, key)


def queue_document(ctx: EffectContext, key: str, *, render_later: bool = True) -> GeneratedDocument:
    """A pending ``GeneratedDocument`` with its number and verification code; with
    ``render_later`` also its ``document`` outbox row, written in this same transaction."""
    spec = ctx.rules.document(key)
    app = ctx.application
    doc = GeneratedDocument(doc_key=key, kind=spec.get("kind", "other"), status="pending",
                            verify_code=secrets.token_urlsafe(12), audit_event_id=ctx.event.id,
                            created_at=ctx.now)
    if spec.get("numbering"):
        numbering = ctx.rules.numbering(spec["numbering"])
        doc.number = draw_number(numbering, spec["numbering"], when=to_local(ctx.now, ctx.clock.tz),
                                 agency=app.agency.code, service=app.service_type.code,
                                 is_taken=lambda value: False)
    else:
        # no numbering of its own: the number already drawn for it (sippt_lhu → numbers["lhu"]),
        # else the application's number or receipt
        own = (app.numbers or {}).get(key.split("_", 1)[-1])
        doc.number = own or app.number or app.receipt
    values = {**(app.data or {}), **{k: v for k, v in ctx.values.items() if v is not None}}
    doc.valid_from, doc.valid_until = validity_dates(spec.get("validity"), to_local(ctx.now, ctx.clock.tz).date(),
                                                     values)
    remind = (spec.get("validity") or {}).get("remind") or {}
    doc.remind_on = next_reminder_on(doc.valid_until, list(remind.get("days_before") or []), [])
    app.documents.append(doc)
    db.session.flush()
    if render_later:
        db.session.add(OutboxMessage(kind="document", channel="pdf", application_id=app.id,
                                     audit_event_id=ctx.event.id, template=key,
                                     payload={"document_id": doc.id}))
    return doc


def sign(ctx: EffectContext, args: dict) -> None:
    """Check the actor is a signatory of the agency and the passphrase opens their key, then
    render and sign the document here, synchronously, inside the transition.

    Why not in the worker like every other document: signing needs the private key, the key
    needs the passphrase, and the passphrase exists only in this request (it is never stored
    or queued). If rendering or signing fails, the transition fails and nothing changes (the
    file written is removed again with the rollback)."""
    from app.documents.produce import DocumentError, SigningKey, produce_document

    passphrase = ctx.values.get(args["passphrase_field"]) or ""
    passphrase = passphrase.reveal() if hasattr(passphrase, "reveal") else str(passphrase)
    signatory = db.session.scalar(select(Signatory).where(
        Signatory.agency_id == ctx.application.agency_id, Signatory.user_id == ctx.actor.id)) \
        if ctx.actor else None
    if signatory is None:
        raise ctx.field_error(args["passphrase_field"],
                              N_("Anda tidak terdaftar sebagai penandatangan pada instansi ini."))
    if not signatory.encrypted_key_pem:
        revoked = last_revocation(signatory)
        if revoked is not None:
            raise ctx.field_error(args["passphrase_field"], N_(
                "Kunci tanda tangan Anda telah dicabut pada %(when)s dan tidak dapat dipakai lagi. Daftarkan "
                "kunci baru di halaman Profil, bagian Tanda tangan elektronik."),
                when=format_datetime(revoked.revoked_at, ctx.application.agency))
        raise ctx.field_error(args["passphrase_field"], N_(
            "Anda belum memiliki kunci tanda tangan elektronik. Daftarkan di halaman Profil, bagian Tanda "
            "tangan elektronik."))
    private_key = unlock_private_key(signatory, passphrase)
    if private_key is None:
        raise ctx.field_error(args["passphrase_field"], N_("Passphrase salah."))
    doc = queue_document(ctx, args["document"], render_later=False)
    doc.signatory_id = signatory.id
    doc.signed = True
    doc.signed_at = ctx.now
    try:
        produce_document(doc, store=ctx.store, signing=SigningKey(signatory, private_key))
    except DocumentError as error:
        raise ValidationError(N_("Dokumen gagal dibuat dan ditandatangani: %(reason)s"),
                              reason=error.params.get("reason", "")) from error
    finally:
        del private_key


def notify(ctx: EffectContext, entries: list) -> None:
    queue_notifications(entries, ctx.application, ctx.rules, actor=ctx.actor,
                        context=ctx.notification_context(), audit_event_id=ctx.event.id)


PERFORMERS: dict[str, Callable[[EffectContext, object], None]] = {
    "assign_number": assign_number,
    "set_deadline": set_deadline,
    "clear_deadline": clear_deadline,
    "assign": assign,
    "set_field": set_field,
    "create_invoice": create_invoice,
    "set_billing_code": set_billing_code,
    "record_payment_proof": record_payment_proof,
    "set_payment_status": set_payment_status,
    "record_refund": record_refund,
    "offer_slots": offer_slots,
    "choose_slot": choose_slot,
    "generate": generate,
    "sign": sign,
    "notify": notify,
}


def perform(ctx: EffectContext, effects) -> None:
    for effect in effects:
        PERFORMERS[effect.name](ctx, effect.args)
