"""Drives one SIPPT testing order end to end through a running deployment (.ci/scaleout):
real gunicorn processes over HTTP, PostgreSQL, Redis, the outbox dispatcher, an RQ worker and
an SMTP catcher writing a Maildir.

    python -m tests.scaleout.drive --base http://127.0.0.1:PORT --maildir DIR

Setup first, in this process with the deployment's own settings: staff for each role and the
customers (the demo building blocks; every password and the signing passphrase is Demo12345).
Then only HTTP: the customer's order with its documents, the tariff, the e-billing, the payment
proof and the treasurer's validation, samples and analysts, the results, the head's electronic
signature (passphrase) on the LHU, the survey, and the end. Then it checks, within a deadline:
every outbox row of the order sent, one email in the Maildir per email row (the customer's
among them), RQ did the work, and /verify says the signed LHU is registered and intact.
"""
from __future__ import annotations

import argparse
import io
import json
import mailbox
import os
import re
import sys
import time
from email.header import decode_header, make_header

import requests

from app.demo.autofill import happy_path
from tests.conftest import ApiClient, api_login
from tests.workflows.driver import Office

SERVICE = "sippt_pengujian"
AGENCY = "sippt"


class HttpResponse:
    """requests' response with the two things the workflow driver reads (Flask test-client style)."""

    def __init__(self, response: requests.Response):
        self.response = response
        self.status_code = response.status_code

    def get_json(self):
        try:
            return self.response.json()
        except ValueError:
            return {"text": self.response.text[:500]}

    def get_data(self, as_text=False):
        return self.response.text if as_text else self.response.content


class HttpClient:
    """Talks to the deployment over HTTP with the Flask test client's call shape."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.session = requests.Session()

    def get(self, path, headers=None, **_):
        return HttpResponse(self.session.get(self.base + path, headers=headers, timeout=60))

    def post(self, path, json=None, data=None, headers=None, content_type=None, **_):
        if data is not None:
            fields = {k: v for k, v in data.items() if not isinstance(v, tuple)}
            files = {k: (v[1], v[0].read() if isinstance(v[0], io.IOBase) else v[0])
                     for k, v in data.items() if isinstance(v, tuple)}
            response = self.session.post(self.base + path, data=fields, files=files, headers=headers, timeout=60)
        else:
            response = self.session.post(self.base + path, json=json, headers=headers, timeout=60)
        return HttpResponse(response)


def provision() -> tuple[dict, dict, dict, str, object]:
    """Staff and customers in the deployment's database; returns (rules data, staff, customers, admin,
    the app: the work rows of an order are taken through their commands on that database)."""
    from app import create_app
    from app.demo.data import load_customers, load_staff
    from app.commands.rules.state import rules_state

    app = create_app(os.environ["SATUPINTU_CONFIG"])
    with app.app_context():
        data = rules_state().file_rules.data
        staff = {role: (user.id, user.username) for role, user in load_staff(data)[AGENCY].items()}
        customers = {user.username: (user.id, user.username, user.email) for user in load_customers()}
        admin = app.config["ADMIN_USERNAME"]
    return data, staff, customers, admin, app


def wait_for(what: str, check, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SystemExit(f"scaleout: timed out after {seconds:.0f}s waiting for {what}")
        time.sleep(0.5)


def outbox_rows(admin: ApiClient, app_id: int) -> list[dict]:
    query = f"(filters:!((col:application_id,opr:eq,value:{app_id})),page_size:100)"
    response = admin.get(f"/api/v1/outbox/?q={query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--deadline", type=float, default=120, help="seconds to wait for the workers")
    args = parser.parse_args()
    started = time.monotonic()

    data, staff_users, customer_users, admin_name, app = provision()
    http = HttpClient(args.base)
    staff = {role: ApiClient(http, api_login(http, username), user_id, username)
             for role, (user_id, username) in staff_users.items()}
    budi_id, budi, budi_email = customer_users["budi"]
    customer = ApiClient(http, api_login(http, budi), budi_id, budi)
    admin = ApiClient(http, api_login(http, admin_name, os.environ["ADMIN_PASSWORD"]), 0, admin_name)
    office = Office(AGENCY, data, staff=staff, customers={"person": customer, "company": customer,
                                                          "institution": customer}, app=app)

    path = happy_path(data["workflows"][data["services"][SERVICE]["workflow"]])
    actions = [t["action"] for t in path]
    for needed in ("upload_bukti_bayar", "terima_pembayaran", "tandatangani"):
        assert needed in actions, (needed, actions)
    app_id = office.create(SERVICE, path, customer=customer)
    print(f"scaleout: application {app_id} created over HTTP; driving {len(path)} transitions", flush=True)
    detail = office.drive(app_id, path, customer=customer)
    assert detail["state"] == "selesai", detail["state"]
    assert any(p["status"] in ("valid", "approved", "accepted", "paid") and p["has_proof"] for p in detail["payments"]), \
        detail["payments"]
    lhu = next(d for d in detail["documents"] if d["key"] == "sippt_lhu")
    assert lhu["signed"] and lhu["status"] == "ready", lhu
    print(f"scaleout: {SERVICE} finished ({detail['state']}), payment {detail['payments'][0]['status']}, "
          f"LHU {lhu['number']} signed", flush=True)

    # the workers: every outbox row of this order sent (dispatched to Redis, performed by RQ)
    rows = wait_for("every outbox row sent", lambda: (lambda r: r if r and all(x["status"] == "sent" for x in r)
                                                        else None)(outbox_rows(admin, app_id)), args.deadline)
    emails = [r for r in rows if r["channel"] == "email"]
    assert emails, rows

    def delivered():
        box = mailbox.Maildir(args.maildir, create=False)
        messages = [box[key] for key in box.keys()]
        return messages if len(messages) >= len(emails) else None
    messages = wait_for(f"{len(emails)} emails at the SMTP catcher", delivered, args.deadline)
    assert len(messages) == len(emails), (len(messages), len(emails))
    to_customer = [m for m in messages if budi_email in (m["To"] or "")]
    assert to_customer, [m["To"] for m in messages]
    print(f"scaleout: {len(rows)} outbox rows sent, {len(messages)} emails at the SMTP catcher "
          f"({len(to_customer)} to the customer), e.g. {str(make_header(decode_header(to_customer[0]['Subject'])))!r}", flush=True)

    from redis import Redis
    from rq import Queue
    from rq.registry import FinishedJobRegistry
    queue = Queue(os.environ["RQ_QUEUE"], connection=Redis.from_url(os.environ["REDIS_URL"]))
    finished = FinishedJobRegistry(queue=queue).count
    assert finished >= len(rows), (finished, len(rows))

    # the signed LHU: public verification says registered and intact; the downloaded copy matches
    # the browser form behind nginx: HTTPS as the app sees it (X-Forwarded-Proto, PROXY_FIX_X_PROTO=1);
    # the session cookie is Secure in production, so requests keeps it only for https URLs: hand it back
    behind_nginx = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20"}
    verify_url = f"{http.base}/verify/{lhu['verify_code']}"
    page = http.session.get(verify_url, headers=behind_nginx, timeout=60)
    assert page.status_code == 200 and "Dokumen terdaftar dan utuh" in page.text and lhu["number"] in page.text
    assert all(cookie.secure for cookie in page.cookies), "production cookies must be Secure"
    pdf = customer.get(f"/unduh/dokumen/{lhu['id']}")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF"), pdf.status_code
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)    # CSRF is on in production
    assert token, "no CSRF token on /verify"
    same = requests.post(verify_url, data={"csrf_token": token.group(1)}, cookies=page.cookies.get_dict(),
                         files={"file": ("lhu.pdf", pdf.get_data())}, headers=behind_nginx, timeout=60)
    assert same.status_code == 200 and "Salinan cocok" in same.text, (same.status_code, same.text[-800:])
    print(f"scaleout: RQ finished {finished} jobs; /verify: the downloaded LHU is the signed original", flush=True)
    print(json.dumps({"application": app_id, "transitions": len(path), "outbox_rows": len(rows),
                      "emails": len(messages), "seconds": round(time.monotonic() - started, 1)}))
    queue.delete(delete_jobs=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
