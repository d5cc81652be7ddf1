"""docs/rules-format.md lists every variable a notification text and a document template can use:
the tables under "What templates can use" are compared with the keys the platform really passes,
taken from real applications of the seed offices (transitions, the SLA tick's invoice and validity
notices, and every generated document).

Names in the tables: `a.b` a key of a mapping, `a[].b` a key of each item of a list, `a.<key>` a
mapping whose keys come from the rules or the application (not listed one by one)."""
from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.demo.autofill import happy_path, path_to
# the tables' parser is the one `rules check` builds its sample contexts with
from app.rules.template_variables import SECTIONS, documented
from tests.outbox.conftest import drain

OPEN = re.compile(r"^<[a-z_]+>$")


def open_prefixes(names: set[str]) -> set[str]:
    return {name.rsplit(".", 1)[0] for name in names if OPEN.match(name.rsplit(".", 1)[-1])}


def paths(value, documented_names: set[str], prefix: str = "") -> set[str]:
    """Every name a template can reach in ``value``: mappings and lists of mappings are entered,
    the keys of an open mapping (``a.<key>``) count as that one name. ``None`` or an empty list
    where the tables name what is inside (``payment.…``, ``app.cart[]…``) is nothing."""
    if value is None or value == []:
        inside = any(n.startswith(prefix + ".") or n.startswith(prefix + "[]") for n in documented_names)
        return set() if inside else {prefix}
    opened = open_prefixes(documented_names)
    if isinstance(value, dict) and prefix in opened:
        marker = next(n for n in documented_names if n.startswith(prefix + ".<"))
        return {f"{prefix}.{key}" if f"{prefix}.{key}" in documented_names else marker for key in value}
    if isinstance(value, dict):
        found: set[str] = set()
        for key, inner in value.items():
            found |= paths(inner, documented_names, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        found = set()
        for item in value:
            found |= paths(item, documented_names, prefix + "[]")
        return found
    return {prefix}


def workflow_of(office, service_key: str) -> dict:
    return office.data["workflows"][office.data["services"][service_key]["workflow"]]


def finished(office, service_key: str) -> int:
    path = happy_path(workflow_of(office, service_key))
    app_id = office.create(service_key, path)
    office.drive(app_id, path)
    return app_id


@pytest.fixture(scope="module")
def recorded(app, offices):
    """The contexts the platform builds while seed applications run: for notifications
    (transitions, an overdue invoice, a validity reminder) and for every document rendered (each
    kind, drafts and signed ones), recorded where the platform hands them to the templates."""
    import app.commands.application.create as create_module
    import app.commands.application.effects as effects_module
    import app.commands.sla as sla_module
    import app.documents.produce as produce_module
    from app.commands.sla import InvoiceOverdueTick, ValidityReminderTick
    from app.extensions import db
    from models import GeneratedDocument, Payment

    contexts: list[dict] = []
    patched = []
    for module in (create_module, effects_module, sla_module):
        original = module.queue_notifications

        def recording(entries, application, rules_data, *, context, _original=original, **kwargs):
            contexts.append(copy.deepcopy(context))
            return _original(entries, application, rules_data, context=context, **kwargs)

        module.queue_notifications = recording
        patched.append((module, "queue_notifications", original))
    documents: list[tuple[str, dict]] = []
    build = produce_module.document_context

    def recording_document(doc, *args, **kwargs):
        context = build(doc, *args, **kwargs)
        documents.append((doc.kind, copy.deepcopy(context)))
        return context

    produce_module.document_context = recording_document
    patched.append((produce_module, "document_context", build))
    try:
        finished_apps = {"bmkg": finished(offices["bmkg"], "bmkg_sewa_alat"),
                         "metrologi": finished(offices["metrologi"], "metrologi_tera"),
                         "kaltim": finished(offices["kaltim"], "kaltim_akdp"),
                         "sippt": finished(offices["sippt"], "sippt_pengujian")}
        bmkg = offices["bmkg"]
        unpaid = bmkg.create("bmkg_informasi", path := path_to(workflow_of(bmkg, "bmkg_informasi"), "upload_bukti"))
        bmkg.drive(unpaid, path)
        for app_id in finished_apps.values():
            drain(app, app_id)
        with app.app_context():
            payment = db.session.scalar(select(Payment).where(Payment.application_id == unpaid,
                                                              Payment.status == "unpaid"))
            # the tick's per-item step, on this test's own invoice and licence only (the whole
            # tick would settle other tests' invoices and reminders too)
            assert "notified" in InvoiceOverdueTick(now=payment.due_at + timedelta(hours=1))._handle(payment.id)
            licence = db.session.scalar(select(GeneratedDocument).where(
                GeneratedDocument.application_id == finished_apps["kaltim"],
                GeneratedDocument.doc_key == "kaltim_izin"))
            before_end = datetime.combine(licence.valid_until, datetime.min.time(), tzinfo=timezone.utc)
            assert ValidityReminderTick(now=before_end - timedelta(days=29))._handle(licence.id)
    finally:
        for module, name, original in patched:
            setattr(module, name, original)
    return contexts, documents


def test_the_documented_notification_variables_are_what_notifications_get(recorded):
    contexts, _ = recorded
    names = documented(SECTIONS["notifications"])
    assert any("invoice" in c for c in contexts) and any("document" in c for c in contexts)
    produced: set[str] = set()
    for context in contexts:
        produced |= paths(context, names)
    assert sorted(produced - names) == [], "given to notification texts but not in docs/rules-format.md"
    assert sorted(names - produced) == [], "in docs/rules-format.md but never given to a notification text"


def test_the_documented_document_variables_are_what_document_templates_get(recorded):
    _, documents = recorded
    names = documented(SECTIONS["documents"])
    produced: set[str] = set()
    for _kind, context in documents:
        produced |= paths(context, names)
    assert {"invoice", "kuitansi", "licence", "report"} <= {kind for kind, _ in documents}
    assert sorted(produced - names) == [], "given to document templates but not in docs/rules-format.md"
    assert sorted(names - produced) == [], "in docs/rules-format.md but never given to a document template"


@pytest.mark.parametrize("context, expected", [
    ({"app": {"id": 1, "numbers": {"lhu": "X", "order_id": "Y"}}}, {"app.id", "app.numbers.<key>"}),
    ({"app": {"cart": [{"code": "A"}, {"qty": 2}]}}, {"app.cart[].code", "app.cart[].qty"}),
    ({"payment": None, "app": {"cart": []}}, set()),
    ({"refund": None, "app": {"number": None}}, {"refund", "app.number"}),
    ({"app": {"location": {"street": "Jl", "address": "Jl, Kota"}}}, {"app.location.<key>", "app.location.address"}),
])
def test_paths_reads_a_context_the_way_the_tables_name_it(context, expected):
    names = {"app.numbers.<key>", "app.location.<key>", "app.location.address", "app.cart[].code",
             "app.cart[].qty", "app.number", "payment.reference"}
    assert paths(context, names) == expected
