"""Finding a service: landing, search, agency pages, each service's Standar Pelayanan (generated
from the rules), requirement templates, the catalogue and the session cart.

The cart lives in ``session["cart"] = {service_key: [{"code": ..., "quantity": n}, ...]}``;
"Lanjutkan proses" goes to the application wizard at ``/portal/ajukan/<service_key>``, which reads it.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.outbox.notify import rupiah
from app.portal.blueprint import portal
from app.rules.labels import rules_label as label_text  # display: the language being shown
from app.rules.model import Rules, plain_data
from app.workflow.procedure import procedure_steps
from models.catalog import Agency, CatalogueItem, ServiceType

MAX_QUANTITY = 999
KIND_LABELS = {"person": "Perorangan", "company": "Perusahaan / Badan Usaha",
               "institution": "Instansi / Lembaga"}


# ---------------------------------------------------------------- data


def _rules() -> Rules:
    from app.commands.rules.state import rules_state

    return rules_state().file_rules


def _base_dir() -> Path:
    from app.commands.rules.state import rules_state

    return Path(rules_state().file_rules.base_dir)


def public_services() -> list[dict]:
    """Active services of active agencies, with their rules, grouped order: agency, class, name."""
    rules = _rules()
    rows = db.session.execute(
        select(ServiceType, Agency).join(Agency, ServiceType.agency_id == Agency.id)
        .where(ServiceType.active.is_(True), Agency.active.is_(True))
        .order_by(Agency.name, ServiceType.class_label, ServiceType.name)).all()
    services = []
    for service, agency in rows:
        if not rules.has_service(service.key):
            continue
        spec = rules.service(service.key)
        services.append({"key": service.key, "name": service.display_name, "row": service, "agency": agency,
                         "agency_spec": rules.agency(agency.key) if rules.has_agency(agency.key) else {},
                         "class_label": service.display_class_label, "spec": spec})
    return services


def _service_or_404(service_key: str) -> dict:
    for service in public_services():
        if service["key"] == service_key:
            return service
    abort(404)


def _agency_or_404(agency_key: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.key == agency_key, Agency.active.is_(True)))
    if agency is None:
        abort(404)
    return agency


def catalogue_items(service_row: ServiceType) -> list[CatalogueItem]:
    return list(db.session.scalars(select(CatalogueItem).where(
        CatalogueItem.service_type_id == service_row.id, CatalogueItem.active.is_(True))
        .order_by(CatalogueItem.code)))


def procedure(workflow: dict) -> list[dict]:
    """The states a customer will see, in the order they live them (app.workflow.procedure): the
    main path to success, then the branches with the step they leave from (labels deduplicated)."""
    states = workflow.get("states") or {}
    steps, labels = [], set()
    for step in procedure_steps(workflow):
        label = label_text((states.get(step.key) or {}).get("label"))
        if not label or label in labels:
            continue
        labels.add(label)
        origin = label_text((states.get(step.branches_from) or {}).get("label")) if step.branches_from else ""
        steps.append({"key": step.key, "label": label, "kind": step.kind, "branch": step.branch,
                      "branches_from": origin})
    return steps


def charges_fee(workflow: dict) -> bool:
    return any("create_invoice" in effect for transition in workflow.get("transitions") or []
               for effect in transition.get("effects") or [])


def _search(services: list[dict], query: str) -> list[dict]:
    words = [w for w in query.lower().split() if w]
    if not words:
        return services

    def haystack(service):
        spec, agency = service["spec"], service["agency"]
        parts = [service["name"], label_text(spec.get("description")), spec.get("code", ""), spec.get("product", ""),
                 agency.name, agency.short_name or "", agency.code, service["class_label"] or ""]
        parts += [item.get("name", "") for item in spec.get("catalogue") or []]
        parts += [label_text(doc.get("label")) for doc in spec.get("documents") or []]
        return " ".join(str(p) for p in parts).lower()

    return [s for s in services if all(w in haystack(s) for w in words)]


def _group_by_agency(services: list[dict]) -> list[dict]:
    groups: list[dict] = []
    members: dict[str, list[dict]] = {}
    for service in services:
        agency = service["agency"]
        listed = members.setdefault(agency.key, [])
        if not listed:
            groups.append({"agency": agency, "spec": service["agency_spec"], "services": listed})
        listed.append(service)
    return groups


# ---------------------------------------------------------------- pages


@portal.route("/")
def index():
    services = public_services()
    return render_template("portal/index.html", groups=_group_by_agency(services), total=len(services))


@portal.route("/layanan")
def services():
    query = (request.args.get("q") or "").strip()[:100]
    found = _search(public_services(), query)
    return render_template("portal/catalogue/services.html", groups=_group_by_agency(found), query=query,
                           total=len(found))


@portal.route("/instansi/<agency_key>")
def agency(agency_key: str):
    agency = _agency_or_404(agency_key)
    services = [s for s in public_services() if s["agency"].id == agency.id]
    return render_template("portal/catalogue/agency.html", agency=agency,
                           spec=_agency_spec(agency.key), services=services)


@portal.route("/layanan/<service_key>")
def service(service_key: str):
    """The service's Standar Pelayanan, generated from its rules."""
    service = _service_or_404(service_key)
    rules, spec = _rules(), service["spec"]
    workflow = rules.workflow_for(service_key)
    documents = []
    for document in spec.get("documents") or []:
        condition = document.get("when") or {}
        documents.append({**plain_data(document), "label": label_text(document.get("label")),
                          "condition": _condition_text(spec, condition)})
    items = catalogue_items(service["row"]) if spec.get("catalogue") else []
    kind_specs = dict(rules.request_kinds())
    return render_template(
        "portal/catalogue/service.html", service=service, spec=spec, agency=service["agency"],
        agency_spec=service["agency_spec"], documents=documents, steps=procedure(workflow),
        items=items, charges_fee=charges_fee(workflow), rupiah=rupiah,
        kinds=[_(KIND_LABELS[k]) for k in spec.get("customer_kinds") or [] if k in KIND_LABELS],
        request_kinds=[label_text((kind_specs.get(k) or {}).get("label") or k)
                       for k in spec.get("request_kinds") or []],
        survey=rules.survey_for(service_key),
        role_labels=_role_labels(service["agency"].key))


def _condition_text(spec: dict, condition: dict) -> str:
    if not condition:
        return ""
    fields = {f.get("key"): f for f in spec.get("fields") or []}
    field = fields.get(condition.get("field"), {})
    name = label_text(field.get("label")) or condition.get("field", "")
    options = {str(o.get("value")): label_text(o.get("label")) for o in field.get("options") or []}
    if "equals" in condition:
        value = options.get(str(condition["equals"]), str(condition["equals"]))
        return _("Hanya jika %(field)s: %(value)s", field=name, value=value)
    if "in" in condition:
        values = ", ".join(options.get(str(v), str(v)) for v in condition["in"])
        return _("Hanya jika %(field)s: %(value)s", field=name, value=values)
    return _("Hanya jika %(field)s diisi", field=name)


@portal.route("/layanan/<service_key>/persyaratan/<document_key>")
def requirement_template(service_key: str, document_key: str):
    """Download the template of one required document (files named by the rules, checked on load)."""
    spec = _service_or_404(service_key)["spec"]
    for document in spec.get("documents") or []:
        if document.get("key") == document_key and document.get("template"):
            base = _base_dir().resolve()
            path = (base / document["template"]).resolve()
            if base not in path.parents or not path.is_file():
                abort(404)
            from app.storage.downloads import protect

            return protect(send_file(path, as_attachment=True, download_name=f"{service_key}_{path.name}"))
    abort(404)


# ---------------------------------------------------------------- catalogue and cart


def _cart() -> dict:
    cart = session.get("cart")
    return cart if isinstance(cart, dict) else {}


def _save_cart(cart: dict) -> None:
    session["cart"] = {key: lines for key, lines in cart.items() if lines}
    session.modified = True


def _parse_quantity(raw) -> int | None:
    text = str(raw or "").strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if 0 <= value <= MAX_QUANTITY else None


@portal.route("/layanan/<service_key>/katalog", methods=["GET", "POST"])
def catalogue(service_key: str):
    service = _service_or_404(service_key)
    spec = service["spec"]
    if not spec.get("cart"):
        return redirect(url_for("portal.service", service_key=service_key))
    items = catalogue_items(service["row"])
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.form.get("code", "")
        quantity = _parse_quantity(request.form.get("quantity"))
        if code not in {item.code for item in items}:
            abort(400)
        if not quantity:
            errors[code] = _("Isi jumlah dengan angka 1 sampai %(max)s.", max=MAX_QUANTITY)
        else:
            cart = _cart()
            lines = list(cart.get(service_key) or [])
            for line in lines:
                if line["code"] == code:
                    line["quantity"] = min(MAX_QUANTITY, int(line["quantity"]) + quantity)
                    break
            else:
                lines.append({"code": code, "quantity": quantity})
            cart[service_key] = lines
            _save_cart(cart)
            name = next(item.name for item in items if item.code == code)
            flash(_("%(qty)s × %(name)s masuk ke keranjang.", qty=quantity, name=name), "success")
            return redirect(url_for("portal.catalogue", service_key=service_key) + f"#item-{code}")
    in_cart = {line["code"]: line["quantity"] for line in _cart().get(service_key) or []}
    return render_template("portal/catalogue/catalogue.html", service=service, spec=spec, items=items,
                           errors=errors, in_cart=in_cart, rupiah=rupiah,
                           role_labels=_role_labels(service["agency"].key)), (400 if errors else 200)


def _role_labels(agency_key: str) -> dict:
    """The roles' labels as the agency names them (its own roles and the shared ones)."""
    return {key: label_text(spec.get("label") or key) for key, spec in _rules().roles(agency_key).items()}


def _agency_spec(agency_key: str):
    rules = _rules()
    return rules.agency(agency_key) if rules.has_agency(agency_key) else {}


def cart_view() -> list[dict]:
    """The cart as sections per service with priced lines (items no longer offered are dropped)."""
    sections = []
    services = {s["key"]: s for s in public_services()}
    for service_key, lines in _cart().items():
        service = services.get(service_key)
        if service is None:
            continue
        items = {item.code: item for item in catalogue_items(service["row"])}
        priced, total = [], Decimal(0)
        for line in lines:
            item = items.get(line.get("code"))
            if item is None:
                continue
            subtotal = Decimal(item.price or 0) * int(line["quantity"])
            total += subtotal
            priced.append({"item": item, "quantity": int(line["quantity"]), "subtotal": subtotal})
        if priced:
            sections.append({"service": service, "lines": priced, "total": total,
                             "role_labels": _role_labels(service["agency"].key)})
    return sections


@portal.route("/keranjang", methods=["GET", "POST"])
def cart():
    errors: dict[str, str] = {}
    if request.method == "POST":
        cart = _cart()
        service_key = request.form.get("service", "")
        remove = request.form.get("remove")
        lines = list(cart.get(service_key) or [])
        updated = []
        for line in lines:
            if line["code"] == remove:
                continue
            raw = request.form.get(f"qty-{line['code']}", line["quantity"])
            quantity = _parse_quantity(raw)
            if quantity is None:
                errors[f"{service_key}:{line['code']}"] = _("Isi jumlah dengan angka 0 sampai %(max)s (0 = hapus).",
                                                            max=MAX_QUANTITY)
                updated.append(line)
            elif quantity:
                updated.append({"code": line["code"], "quantity": quantity})
        if not errors:
            cart[service_key] = updated
            _save_cart(cart)
            flash(_("Keranjang diperbarui."), "success")
            return redirect(url_for("portal.cart"))
    return render_template("portal/catalogue/cart.html", sections=cart_view(), errors=errors,
                           rupiah=rupiah), (400 if errors else 200)
