"""Bookings of an agency's resources (rules: ``agencies.<key>.resources`` and a service's ``booking``).

Staff of a role the resource names (``managed_by``) offer slots: a time range inside the opening
hours of one day, or whole open days, in the agency's zone; slots of one resource never overlap.
The customer picks a free slot in the apply wizard (booked by CreateApplicationCommand, in the
transaction that creates the application; ``booking.wizard`` says whether it is required) or later
for their application while it is in one of the booking's ``pick_in`` states. A slot holds at most ``capacity`` bookings, enforced by the database (models/
booking.py): each booking takes a free seat number in a SAVEPOINT; when another transaction took the
seat first, the unique constraint refuses it (PostgreSQL waits for that transaction, then raises)
and the next seat is tried; when none is left the customer is told so. Ending an application
(final_rejected / final_cancelled) releases its booking, freeing the seat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.commands.base import Command
from app.commands.rules.state import rules_state
from app.core.errors import ConflictError, ForbiddenError, N_, NotFoundError, ValidationError, translate
from app.core.formatting import from_local, tzinfo
from app.extensions import db
from app.security.access import is_admin, role_names, staff_profile, workflow_roles
from models import Agency, Application, AuditEvent, User
from models.base import utcnow
from models.booking import Booking, ResourceSlot

TAKEN_MESSAGE = N_("Slot ini baru saja dipesan pemohon lain; pilih slot lain.")
UNAVAILABLE_MESSAGE = N_("Jadwal yang dipilih tidak tersedia.")
FULL_MESSAGE = N_("Jadwal yang dipilih sudah penuh; pilih jadwal lain.")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RELEASING_KINDS = ("final_rejected", "final_cancelled")


# ---------------------------------------------------------------- what the rules say


def agency_resources(agency: Agency, rules=None) -> list:
    """The resources the rules declare for ``agency`` (the current rules unless given)."""
    rules = rules or rules_state().file_rules
    try:
        spec = rules.agency(agency.key)
    except (KeyError, LookupError):
        return []
    return list(spec.resources or [])


def resource_spec(agency: Agency, key: str, rules=None):
    return next((r for r in agency_resources(agency, rules) if r.key == key), None)


def managed_resources(user, agency: Agency) -> list:
    """The agency's resources ``user`` may offer slots on and see the calendar of."""
    if user is None or not getattr(user, "id", None):
        return []
    if is_admin(user):
        return agency_resources(agency)
    profile = staff_profile(user)
    if profile is None or profile.agency_id != agency.id:
        return []
    roles = role_names(user)
    return [r for r in agency_resources(agency) if roles & set(r.managed_by)]


def opening_span(resource, day: date) -> tuple[time, time] | None:
    """The opening hours of ``resource`` on ``day`` (local times), or None when it is closed."""
    span = (resource.opening_hours or {}).get(WEEKDAYS[day.weekday()])
    if not span:
        return None
    start, end = span.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def booking_spec(application: Application):
    return rules_state().rules_for(application.rules_version_id).service(application.service_type.key).booking


def pick_states(application: Application) -> list[str]:
    spec = booking_spec(application)
    if spec is None:
        return []
    if spec.pick_in:
        return list(spec.pick_in)
    return [rules_state().rules_for(application.rules_version_id).workflow_for(application.service_type.key).initial]


def active_booking(application: Application) -> Booking | None:
    return db.session.scalars(select(Booking).where(Booking.application_id == application.id,
                                                    Booking.seat.is_not(None))
                              .options(joinedload(Booking.slot))).first()


def has_active_booking(application_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Booking.application_id == application_id,
                                                        Booking.seat.is_not(None)))))


def open_slots(agency_id: int, spec, now: datetime | None = None) -> list[ResourceSlot]:
    """The open, future slots of the booking ``spec``'s resource and unit at the agency, full ones
    included (the wizard shows them, not selectable), earliest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(ResourceSlot).where(ResourceSlot.agency_id == agency_id,
                                   ResourceSlot.resource_key == spec.resource, ResourceSlot.status == "open",
                                   ResourceSlot.whole_days.is_(spec.unit == "day"), ResourceSlot.starts_at > now)
        .options(joinedload(ResourceSlot.bookings)).order_by(ResourceSlot.starts_at)).unique().all())


def free_slots(application: Application, now: datetime | None = None) -> list[ResourceSlot]:
    """The open, future slots of the application's resource with a free seat, of its unit."""
    spec = booking_spec(application)
    if spec is None:
        return []
    return [slot for slot in open_slots(application.agency_id, spec, now) if slot.free_seats > 0]


def wizard_booking(rules, service_key: str) -> str:
    """How the apply wizard asks for the service's slot: ``required``, ``optional`` or ``none``
    (``booking.wizard``; by default optional when the customer may pick in the initial state)."""
    spec = rules.service(service_key).booking
    if spec is None:
        return "none"
    if spec.wizard:
        return spec.wizard
    initial = rules.workflow_for(service_key).initial
    return "optional" if not spec.pick_in or initial in spec.pick_in else "none"


def slot_problem(slot: ResourceSlot | None, agency_id: int, spec, now: datetime) -> str | None:
    """Why ``slot`` cannot be booked for an application of ``agency_id`` with booking ``spec``
    (untranslated, N_), or None: another agency's, resource's or unit's slot, a withdrawn or past
    one, or one that does not exist all read "not available"; a full one says so."""
    if (slot is None or slot.agency_id != agency_id or slot.resource_key != spec.resource
            or slot.whole_days != (spec.unit == "day") or slot.status != "open" or slot.starts_at <= now):
        return UNAVAILABLE_MESSAGE
    if slot.free_seats <= 0:
        return FULL_MESSAGE
    return None


# ---------------------------------------------------------------- staff: offering slots


@dataclass(frozen=True)
class SlotRequest:
    """A slot as typed by staff, in the agency's wall-clock time: one day from..to, or whole days."""

    day: date
    start: time | None = None      # None: whole days from ``day`` to ``last_day``
    end: time | None = None
    last_day: date | None = None


class OfferSlotsCommand(Command):
    def __init__(self, actor: User, agency_id: int, resource_key: str, requests: list[SlotRequest],
                 now: datetime | None = None):
        self.actor = actor
        self.agency_id = agency_id
        self.resource_key = resource_key
        self.requests = requests
        self.now = now or utcnow()

    def _run(self) -> list[ResourceSlot]:
        agency = db.session.get(Agency, self.agency_id)
        if agency is None:
            raise NotFoundError()
        resource = next((r for r in managed_resources(self.actor, agency) if r.key == self.resource_key), None)
        if resource is None:
            # another agency's resource, or one the user does not manage: as if it did not exist
            raise NotFoundError()
        if not self.requests:
            raise ValidationError(N_("Belum ada slot yang diisi."))
        zone = tzinfo(agency.timezone)
        made = []
        for number, request in enumerate(self.requests, 1):
            starts_at, ends_at = self._range(resource, request, zone, number)
            if starts_at <= self.now:
                _refuse(number, N_("Slot ke-%(number)s sudah lewat."))
            clash = db.session.scalar(select(ResourceSlot.id).where(
                ResourceSlot.agency_id == agency.id, ResourceSlot.resource_key == resource.key,
                ResourceSlot.status == "open", ResourceSlot.starts_at < ends_at, ResourceSlot.ends_at > starts_at))
            if clash is not None or any(s.starts_at < ends_at and s.ends_at > starts_at for s in made):
                _refuse(number, N_("Slot ke-%(number)s bertumpang tindih dengan slot lain pada sumber daya ini."))
            slot = ResourceSlot(agency_id=agency.id, resource_key=resource.key, starts_at=starts_at, ends_at=ends_at,
                                capacity=resource.capacity, whole_days=request.start is None, status="open",
                                offered_by_id=self.actor.id, created_at=self.now)
            db.session.add(slot)
            made.append(slot)
        db.session.flush()
        return made

    @staticmethod
    def _range(resource, request: SlotRequest, zone, number: int) -> tuple[datetime, datetime]:
        if request.start is None:
            last = request.last_day or request.day
            if last < request.day:
                _refuse(number, N_("Slot ke-%(number)s: tanggal akhir harus sama dengan atau setelah tanggal mulai."))
            if (last - request.day).days > 62:
                _refuse(number, N_("Slot ke-%(number)s terlalu panjang (paling lama 62 hari)."))
            day = request.day
            while day <= last:
                if opening_span(resource, day) is None:
                    _refuse(number, N_("Slot ke-%(number)s: %(resource)s tutup pada %(day)s."),
                            resource=_label(resource), day=day.isoformat())
                day += timedelta(days=1)
            first_open, _ = opening_span(resource, request.day)
            _, last_close = opening_span(resource, last)
            return (from_local(datetime.combine(request.day, first_open), zone),
                    from_local(datetime.combine(last, last_close), zone))
        span = opening_span(resource, request.day)
        if span is None:
            _refuse(number, N_("Slot ke-%(number)s: %(resource)s tutup pada %(day)s."),
                    resource=_label(resource), day=request.day.isoformat())
        if request.end is None or request.end <= request.start:
            _refuse(number, N_("Slot ke-%(number)s: jam selesai harus setelah jam mulai."))
        if request.start < span[0] or request.end > span[1]:
            _refuse(number, N_("Slot ke-%(number)s berada di luar jam buka %(resource)s (%(open)s-%(close)s)."),
                    resource=_label(resource), open=span[0].strftime("%H:%M"), close=span[1].strftime("%H:%M"))
        return (from_local(datetime.combine(request.day, request.start), zone),
                from_local(datetime.combine(request.day, request.end), zone))


def _refuse(number: int, message: str, **params) -> None:
    raise ValidationError(translate(message, number=number, **params),
                          details={"field_errors": {f"slot-{number}": translate(message, number=number, **params)}})


def _label(resource) -> str:
    from app.rules.vocabulary import label_text

    return label_text(resource.label)


class WithdrawSlotCommand(Command):
    """Staff take back an offered slot nobody holds a seat of."""

    def __init__(self, actor: User, slot_id: int):
        self.actor = actor
        self.slot_id = slot_id

    def _run(self) -> ResourceSlot:
        slot = db.session.scalar(select(ResourceSlot).where(ResourceSlot.id == self.slot_id).with_for_update())
        agency = db.session.get(Agency, slot.agency_id) if slot is not None else None
        if agency is None or slot.resource_key not in {r.key for r in managed_resources(self.actor, agency)}:
            raise NotFoundError()
        if slot.active_bookings:
            raise ConflictError(N_("Slot ini sudah dipesan dan tidak dapat ditarik."), code="slot_booked")
        slot.status = "withdrawn"
        return slot


# ---------------------------------------------------------------- customer: picking a slot


class BookSlotCommand(Command):
    def __init__(self, application_id: int, actor: User, slot_id: int, now: datetime | None = None):
        self.application_id = application_id
        self.actor = actor
        self.slot_id = slot_id
        self.now = now or utcnow()

    def _run(self) -> Booking:
        session = db.session
        # one pick at a time per application (PostgreSQL row lock; SQLite serialises writers)
        application = session.scalar(select(Application).where(Application.id == self.application_id)
                                     .options(joinedload(Application.service_type, innerjoin=True))
                                     .with_for_update(of=Application).execution_options(populate_existing=True))
        rules = rules_state().rules_for(application.rules_version_id) if application is not None else None
        if application is None or "customer" not in workflow_roles(application, self.actor, rules.role_keys()):
            raise NotFoundError()
        spec = booking_spec(application)
        if spec is None:
            raise NotFoundError()
        if application.state not in pick_states(application):
            raise ForbiddenError(N_("Jadwal tidak dapat dipilih pada status permohonan saat ini."))
        slot = session.get(ResourceSlot, self.slot_id)
        problem = slot_problem(slot, application.agency_id, spec, self.now)
        if problem == UNAVAILABLE_MESSAGE:
            raise ValidationError(details={"field_errors": {"slot": translate(problem)}})
        current = active_booking(application)
        if current is not None and current.slot_id == slot.id:
            return current
        if current is not None:
            release(current, self.now)
            session.flush()
        booking = take_seat(slot, application, self.now)   # a full slot: the seats say so (TAKEN_MESSAGE)
        record_booking(application, self.actor, slot, self.now)
        return booking


def record_booking(application: Application, actor: User, slot: ResourceSlot, now: datetime) -> None:
    """The audit event of a pick (the timeline's "Jadwal dipilih")."""
    db.session.add(AuditEvent(application_id=application.id, actor_id=actor.id, actor_roles=["customer"],
                              action="booking", action_label=translate(N_("Pilih jadwal")),
                              timeline_label=translate(N_("Jadwal dipilih")), from_state=application.state,
                              to_state=application.state, note="",
                              values={"booking": {"slot_id": slot.id, "resource": slot.resource_key,
                                                  "start": slot.starts_at.isoformat(), "end": slot.ends_at.isoformat()}},
                              rules_version_id=application.rules_version_id, created_at=now))


def book_at_submission(application: Application, actor: User, slot: ResourceSlot, now: datetime,
                       field: str = "slot_id") -> Booking:
    """The seat of the slot chosen in the apply wizard, taken in the transaction that creates the
    application (CreateApplicationCommand): when another customer took the last seat meanwhile it
    is a field error on ``field``, and the caller's rollback leaves no application behind."""
    try:
        booking = take_seat(slot, application, now)
    except ConflictError as error:
        raise ValidationError(details={"field_errors": {field: translate(TAKEN_MESSAGE)}}) from error
    record_booking(application, actor, slot, now)
    return booking


def take_seat(slot: ResourceSlot, application: Application, now: datetime) -> Booking:
    """A booking on the first seat of ``slot`` the database lets this transaction have."""
    session = db.session
    taken = set(session.scalars(select(Booking.seat).where(Booking.slot_id == slot.id, Booking.seat.is_not(None))))
    for seat in range(1, slot.capacity + 1):
        if seat in taken:
            continue
        booking = Booking(slot_id=slot.id, application_id=application.id, seat=seat, created_at=now)
        try:
            with session.begin_nested():
                session.add(booking)
                session.flush()
        except IntegrityError:
            continue      # another transaction holds this seat (committed while we waited): try the next
        return booking
    raise ConflictError(TAKEN_MESSAGE, code="slot_taken")


def release(booking: Booking, now: datetime) -> None:
    booking.seat = None
    booking.released_at = now


def release_bookings(application: Application, now: datetime) -> int:
    """Free every seat the application holds (it was cancelled or rejected); how many."""
    bookings = db.session.scalars(select(Booking).where(Booking.application_id == application.id,
                                                        Booking.seat.is_not(None))).all()
    for booking in bookings:
        release(booking, now)
    return len(bookings)
