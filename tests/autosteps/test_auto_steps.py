"""Automatic steps: performed by the system through the one transition command, right after the
step that entered their state (each its own transaction), or by the SLA tick after working days.

Times are UTC; the agency works in Asia/Jakarta (UTC+7): 03:00 UTC is 10:00 WIB."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

SERVICE = "uji_otomatis"


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=timezone.utc)


def user(user_tuple):
    from app.extensions import db
    from models import User

    return db.session.get(User, user_tuple[0])


def create(customer, jenis: str, now: datetime) -> int:
    from app.commands.application.create import CreateApplicationCommand

    return CreateApplicationCommand(user(customer), SERVICE, fields={"jenis": jenis}, now=now).run().id


def transition(app_id: int, actor, action: str, now: datetime):
    from app.commands.application.transition import ApplicationTransitionCommand

    return ApplicationTransitionCommand(app_id, user(actor), action, now=now).run()


def application(app_id: int):
    from app.extensions import db
    from models import Application

    db.session.expire_all()
    return db.session.get(Application, app_id)


def steps(app_id: int) -> list[tuple[str, str, str, int | None, list]]:
    from app.extensions import db
    from models import AuditEvent

    return [(e.action, e.from_state, e.to_state, e.actor_id, e.actor_roles) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.application_id == app_id, AuditEvent.action != "create")
        .order_by(AuditEvent.id))]


def outbox(app_id: int, template: str) -> int:
    from app.extensions import db
    from models import OutboxMessage

    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.application_id == app_id, OutboxMessage.template == template))


def test_submitting_moves_on_by_itself_and_the_answer_says_where_it_is(run, factories):
    customer = factories.customer()
    app_id = create(customer, "biasa", at("2026-06-01"))
    result = transition(app_id, customer, "ajukan", at("2026-06-01"))
    # the customer's own step, then the system's: verifikasi; ke_jalur_khusus's guard does not hold
    assert application(app_id).state == "verifikasi"
    assert result.to_dict()["state"] == "verifikasi" and result.to_dict()["auto_steps"] == ["ke_verifikasi"]
    assert result.to_dict()["event"]["action"] == "ajukan"
    assert steps(app_id) == [("ajukan", "draf", "diajukan", customer[0], ["customer"]),
                             ("ke_verifikasi", "diajukan", "verifikasi", None, ["system"])]
    # the automatic step notifies like any other, as the system
    assert outbox(app_id, "diverifikasi") == 2
    from app.extensions import db
    from models import OutboxMessage

    payload = db.session.scalar(select(OutboxMessage.payload).where(
        OutboxMessage.application_id == app_id, OutboxMessage.channel == "email"))
    assert "Oleh Sistem: Verifikasi" in str(payload)


def test_a_chain_of_automatic_steps_follows_its_guards(run, factories):
    customer = factories.customer()
    app_id = create(customer, "khusus", at("2026-06-01"))
    transition(app_id, customer, "ajukan", at("2026-06-01"))
    assert application(app_id).state == "khusus"
    assert [(a, f, t) for a, f, t, _, _ in steps(app_id)] == [
        ("ajukan", "draf", "diajukan"), ("ke_verifikasi", "diajukan", "verifikasi"),
        ("ke_jalur_khusus", "verifikasi", "khusus")]


def test_a_failing_automatic_step_leaves_the_human_step_stored(run, factories, monkeypatch):
    from app.commands.application import transition as transition_module
    from app.core.errors import ConflictError

    customer = factories.customer()
    app_id = create(customer, "biasa", at("2026-06-01"))
    original = transition_module.ApplicationTransitionCommand._run

    def refuse_the_system(self):
        if self.system:
            raise ConflictError()
        return original(self)

    monkeypatch.setattr(transition_module.ApplicationTransitionCommand, "_run", refuse_the_system)
    result = transition(app_id, customer, "ajukan", at("2026-06-01"))
    assert result.to_dict()["state"] == "diajukan" and "auto_steps" not in result.to_dict()
    assert application(app_id).state == "diajukan"
    assert [s[0] for s in steps(app_id)] == ["ajukan"]


def test_the_delayed_step_waits_two_working_days_then_the_tick_performs_it(app, run, factories):
    customer, staff = factories.customer(), factories.staff("balai_auto", "petugas")
    app_id = create(customer, "biasa", at("2026-06-03"))
    transition(app_id, customer, "ajukan", at("2026-06-03"))
    # Wed 3 June, 10:00 WIB; 2 working days: Thu 4, Fri 5 -> closes Fri 5 June 23:59:59 WIB
    transition(app_id, staff, "periksa", at("2026-06-03"))
    assert application(app_id).state == "konfirmasi"

    cli = app.test_cli_runner()
    result = cli.invoke(args=["sla", "tick", "--now", "2026-06-05T12:00"])      # 19:00 WIB Friday
    assert result.exit_code == 0, result.output
    assert "'auto_fired': 0" in result.output and application(app_id).state == "konfirmasi"

    result = cli.invoke(args=["sla", "tick", "--now", "2026-06-05T17:30"])      # 00:30 WIB Saturday
    assert result.exit_code == 0, result.output
    app_ = application(app_id)
    assert (app_.state, app_.closed_at) == ("selesai", at("2026-06-05", 17).replace(minute=30))
    assert steps(app_id)[-1] == ("tutup_otomatis", "konfirmasi", "selesai", None, ["system"])
    # once: the next tick finds nothing
    result = cli.invoke(args=["sla", "tick", "--now", "2026-06-08T03:00"])
    assert [s[0] for s in steps(app_id)].count("tutup_otomatis") == 1


def test_a_human_step_first_leaves_nothing_for_the_tick(app, run, factories):
    from app.commands.sla import SlaTickCommand

    customer, staff = factories.customer(), factories.staff("balai_auto", "petugas")
    app_id = create(customer, "biasa", at("2026-06-08"))
    transition(app_id, customer, "ajukan", at("2026-06-08"))
    transition(app_id, staff, "periksa", at("2026-06-08"))
    transition(app_id, customer, "konfirmasi", at("2026-06-09"))
    SlaTickCommand(now=at("2026-06-20")).run()
    assert [s[0] for s in steps(app_id)] == ["ajukan", "ke_verifikasi", "periksa", "konfirmasi"]


def test_the_timeline_shows_sistem_on_the_api_and_the_back_office_and_the_portal_shows_the_state(
        app, factories, shared):
    customer, staff = factories.customer(), factories.staff("balai_auto", "petugas")
    with app.app_context():
        app_id = create(customer, "biasa", at("2026-06-01"))
        transition(app_id, customer, "ajukan", at("2026-06-01"))
    client = app.test_client()
    api = shared.ApiClient(client, shared.api_login(client, customer[1]), *customer)
    detail = api.get(f"/api/v1/application/{app_id}")
    assert detail.status_code == 200, detail.get_data(as_text=True)
    assert detail.get_json()["result"]["state"] == "verifikasi"
    timeline = api.get(f"/api/v1/application/{app_id}/timeline")
    assert timeline.status_code == 200
    automatic = [e for e in timeline.get_json()["result"] if e["action"] == "ke_verifikasi"]
    assert len(automatic) == 1 and automatic[0]["actor"] == "Sistem"
    assert automatic[0]["label"] == "Diteruskan ke verifikasi"

    portal = shared.sign_in(app.test_client(), customer[0])
    page = portal.get(f"/portal/permohonan/{app_id}")
    assert page.status_code == 200, page.location
    html = page.get_data(as_text=True)
    # the portal's timeline names no actor (staff stay anonymous to customers): state and step
    assert "Verifikasi" in html and "Diteruskan ke verifikasi" in html

    desk = shared.sign_in(app.test_client(), staff[0])
    page = desk.get(f"/backoffice/permohonan/{app_id}")
    assert page.status_code == 200, page.location
    html = page.get_data(as_text=True)
    assert "Teruskan ke Verifikasi" in html and "oleh Sistem" in html


def test_an_application_created_into_a_state_with_an_automatic_step_moves_on(app, factories, shared):
    customer = factories.customer()
    client = app.test_client()
    api = shared.ApiClient(client, shared.api_login(client, customer[1]), *customer)
    response = api.create("uji_langsung", fields={"jenis": "x"})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert result["state"] == "verifikasi"
    with app.app_context():
        assert steps(result["id"]) == [("teruskan", "diajukan", "verifikasi", None, ["system"])]
