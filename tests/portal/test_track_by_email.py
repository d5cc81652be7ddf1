"""MELASTI tracking: the receipt shown on submission is found at /lacak at once, and tracking by
email alone sends that email's list to that email (a real SMTP server), never to the screen."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Application
from tests.conftest import settle_outbox_backlog
from tests.outbox.servers import SmtpServer
from tests.portal.conftest import PDF_BYTES, sign_in, upload


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "WHATSAPP_GATEWAY_URL", "")
    monkeypatch.setitem(app.config, "PUBLIC_TRACKING_RATE_LIMIT", "1000 per minute")
    yield server
    server.stop()


def melasti_form(**overrides) -> dict:
    form = {"f.jenis_permintaan": "data_informasi", "f.perihal": "Data pasang surut Teluk Benoa 2025",
            "f.deskripsi": "Untuk kajian tugas akhir.", "declaration": "1", "action": "submit",
            "doc.dokumen_pendukung": upload(PDF_BYTES, "surat.pdf")}
    form.update(overrides)
    return form


def submit_melasti(app, client, user_id: int) -> tuple[int, str, str]:
    """Submit through the portal; returns (application id, the page shown after submitting, email)."""
    response = client.post("/portal/ajukan/melasti_data", data=melasti_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    shown = client.get(response.location).get_data(as_text=True)
    with app.app_context():
        from app.extensions import db
        from models import User
        app_id = db.session.scalar(select(Application.id).where(Application.customer_id == user_id)
                                   .order_by(Application.id.desc()))
        return app_id, shown, db.session.get(User, user_id).email


def lists(mails) -> list:
    """Only the request-list mails (an acknowledgement may arrive in the same drain)."""
    return [m for m in mails if m.subject.startswith("Daftar permohonan Anda")]


def drain(app) -> None:
    from app.outbox.worker import drain as run
    with app.app_context():
        run()


def test_the_receipt_shown_after_submitting_is_found_at_lacak_right_away(app, client, customer):
    app_id, shown, _email = submit_melasti(app, *customer)
    receipt = re.search(r'id="receipt-big">([^<]+)<', shown).group(1)
    assert re.fullmatch(r"BTP-[0-9A-F]{6}", receipt), receipt          # not "#37"
    assert f"#{app_id}" not in receipt
    assert "dengan nomor resi ini." in shown                          # random: the receipt alone is enough
    page = client.get("/lacak", query_string={"nomor": receipt.lower()})
    assert page.status_code == 200
    assert "Pelayanan Informasi Data" in page.get_data(as_text=True)


def test_every_service_gets_a_real_receipt_even_without_receipt_numbering():
    from app.workflow.numbering import DEFAULT_RECEIPT_NUMBERING, has_random_part, receipt_numbering
    assert receipt_numbering({"numbering": {}}, {}) == ("_receipt", DEFAULT_RECEIPT_NUMBERING)
    assert has_random_part(DEFAULT_RECEIPT_NUMBERING["pattern"])
    named = {"numbering": {"resi": {"pattern": "R-{seq}"}}}
    assert receipt_numbering(named, {"receipt_numbering": "resi"}) == ("resi", {"pattern": "R-{seq}"})


def test_email_only_lookup_mails_the_list_to_that_email_and_shows_nothing(app, client, customer, smtp):
    app_id, shown, email = submit_melasti(app, *customer)
    receipt = re.search(r'id="receipt-big">([^<]+)<', shown).group(1)
    drain(app)
    settle_outbox_backlog(app)
    before = len(lists(smtp.to(email)))
    response = client.post("/lacak/email", data={"email": email.upper()})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert receipt not in page and "Data pasang surut" not in page and 'id="list-sent"' in page
    drain(app)
    mails = lists(smtp.to(email))[before:]
    assert len(mails) == 1
    mail = mails[0]
    assert receipt in mail.body and "Pelayanan Informasi Data" in mail.body
    assert "WITA" in mail.body                                         # Bali: the agency's zone
    assert f"/lacak?nomor={receipt}" in mail.body


def _screen(response) -> str:
    text = re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", response.get_data(as_text=True))
    return text


@pytest.mark.parametrize("who", ["unknown", "staff_without_requests", "customer_without_requests",
                                 "sql_wildcard", "owner_with_spaces"])
def test_the_screen_is_the_same_whether_the_email_exists_or_not(app, client, customer, factories, smtp, who):
    """No enumeration: every valid address gets the same redirect and the same page; only the
    owner of requests receives a mail, at their own address."""
    _app_id, _shown, owner = submit_melasti(app, *customer)
    staff_id, _staff = factories.staff("melasti", "admin_layanan")
    idle_id, _name = factories.customer()
    with app.app_context():
        from app.extensions import db
        from models import User
        staff_email = db.session.get(User, staff_id).email
        idle_email = db.session.get(User, idle_id).email
    address = {"unknown": "tidak.ada@contoh.test", "staff_without_requests": staff_email,
               "customer_without_requests": idle_email, "sql_wildcard": "%@%",
               "owner_with_spaces": f"  {owner}  "}[who]
    drain(app)
    received = len(lists(smtp.received))
    reference = client.post("/lacak/email", data={"email": owner})
    response = client.post("/lacak/email", data={"email": address})
    if who == "sql_wildcard":
        assert response.status_code == 400 and "Alamat email tidak valid" in response.get_data(as_text=True)
        return
    assert response.status_code == reference.status_code == 302
    assert response.location == reference.location
    assert _screen(client.get(response.location)) == _screen(client.get(reference.location))
    drain(app)
    new = lists(smtp.received)[received:]
    assert all(m.to == [owner] for m in new)                          # nobody else is ever mailed
    assert len(new) == (2 if who == "owner_with_spaces" else 1)


def test_an_inbox_cannot_be_flooded_and_the_form_is_rate_limited(app, client, customer, smtp, monkeypatch):
    _app_id, _shown, email = submit_melasti(app, *customer)
    drain(app)
    before = len(lists(smtp.to(email)))
    monkeypatch.setitem(app.config, "PUBLIC_TRACKING_EMAIL_RATE_LIMIT", "2 per hour")
    for _ in range(4):
        assert client.post("/lacak/email", data={"email": email}).status_code == 302
    drain(app)
    assert len(lists(smtp.to(email))) - before == 2
    monkeypatch.setitem(app.config, "PUBLIC_TRACKING_RATE_LIMIT", "2 per minute")
    codes = [client.post("/lacak/email", data={"email": "a@contoh.test"},
                         environ_base={"REMOTE_ADDR": "10.77.0.1"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_the_email_form_needs_its_csrf_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert app.test_client().post("/lacak/email", data={"email": "a@contoh.test"}).status_code == 400


def test_an_application_of_another_customer_is_not_in_my_list(app, customer, factories, smtp):
    _a, shown_mine, mine = submit_melasti(app, *customer)
    other_id, _name = factories.customer()
    _b, shown_other, _other = submit_melasti(app, sign_in(app.test_client(), other_id), other_id)
    other_receipt = re.search(r'id="receipt-big">([^<]+)<', shown_other).group(1)
    drain(app)
    before = len(lists(smtp.to(mine)))
    app.test_client().post("/lacak/email", data={"email": mine})
    drain(app)
    (mail,) = lists(smtp.to(mine))[before:]
    assert re.search(r'id="receipt-big">([^<]+)<', shown_mine).group(1) in mail.body
    assert other_receipt not in mail.body


def _customer_mails(app, app_id: int) -> list[dict]:
    with app.app_context():
        from app.extensions import db
        from models import OutboxMessage
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.application_id == app_id, OutboxMessage.channel == "email",
            OutboxMessage.template.in_(("permohonan_diterima", "melasti_status"))).order_by(OutboxMessage.id))
        return [dict(r.payload, template=r.template) for r in rows]


def test_each_notification_says_the_step_done_then_what_the_request_waits_for(app, customer, factories):
    """The acknowledgement says the request waits for the Admin Layanan; after the admin's step the
    mail names that step as done and the head's disposition as awaited, not as done."""
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from models import User

    app_id, _shown, _email = submit_melasti(app, *customer)
    (ack,) = _customer_mails(app, app_id)
    assert "Menunggu verifikasi Admin Layanan" in ack["body"] and "mendisposisikan" not in ack["body"]
    admin_id, _ = factories.staff("melasti", "admin_layanan")
    with app.app_context():
        ApplicationTransitionCommand(app_id, db.session.get(User, admin_id), "terima").run()
    update = _customer_mails(app, app_id)[-1]
    assert update["template"] == "melasti_status"
    body = " ".join(update["body"].split())
    assert "Langkah selesai: Admin Layanan menerima dan menyampaikan informasi permohonan kepada Kepala Balai" in body
    assert "WITA" in body
    assert "Status sekarang: Menunggu disposisi Kepala Balai" in body
    assert "Kepala Balai mendisposisikan" not in body


def _timeline_items(html: str) -> list[tuple[str, str, str]]:
    """(class, step, time text) of each timeline entry."""
    block = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    return [(cls, " ".join(label.split()), " ".join(when.split()))
            for cls, label, when in re.findall(r'<li class="([^"]*)"[^>]*><strong>([^<]*)</strong>\s*<time>([^<]*)</time>', block)]


def test_the_timeline_shows_done_steps_with_time_the_current_one_and_the_rest_pending(app, client, customer, factories):
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from models import User

    portal, _user_id = customer
    app_id, shown, _email = submit_melasti(app, *customer)
    items = _timeline_items(portal.get(f"/portal/permohonan/{app_id}").get_data(as_text=True))
    assert items[0][0] == "done" and items[0][1] == "Permohonan dibuat" and "WITA" in items[0][2]
    assert items[1] == ("now current", "Admin Layanan menerima dan menyampaikan informasi permohonan kepada "
                                       "Kepala Balai Teknik Pantai", "Sedang diproses")
    assert [i[0] for i in items[2:]] == ["pending"] * 7
    assert items[-1][1] == "Laporan diserahkan kepada pelanggan" and items[-1][2] == "Belum diproses"

    admin_id, _ = factories.staff("melasti", "admin_layanan")
    with app.app_context():
        ApplicationTransitionCommand(app_id, db.session.get(User, admin_id), "terima").run()
    items = _timeline_items(portal.get(f"/portal/permohonan/{app_id}").get_data(as_text=True))
    assert [i[0] for i in items[:2]] == ["done", "done"]
    assert items[1][1].startswith("Admin Layanan menerima") and "WITA" in items[1][2]
    assert items[2] == ("now current", "Kepala Balai mendisposisikan permohonan pelanggan ke Kasubag TU",
                        "Sedang diproses")
    assert len(items) == 9
    # the public page shows the same path
    receipt = re.search(r'id="receipt-big">([^<]+)<', shown).group(1)
    public = _timeline_items(client.get("/lacak", query_string={"nomor": receipt}).get_data(as_text=True))
    assert [i[:2] for i in public[2:]] == [i[:2] for i in items[2:]]
