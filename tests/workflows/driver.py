"""Drives the shipped seed workflows through the REST API as their real users would."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.demo.autofill import fill_form, required_field_values, sample_file, sample_value
from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS
from tests.conftest import ApiClient, api_login


def guard_names(transition: dict) -> list[str]:
    return [g if isinstance(g, str) else next(iter(g)) for g in transition.get("guards", [])]


@dataclass
class Office:
    """One seed office in the test database: a signed-in client per staff role, and customers."""

    agency: str
    data: dict
    staff: dict[str, ApiClient] = field(default_factory=dict)
    customers: dict[str, ApiClient] = field(default_factory=dict)
    assets: dict[int, int] = field(default_factory=dict)   # customer user id -> asset id
    app: object = None   # the Flask app, for the work rows (work_items), done through their commands

    def staff_by_id(self, user_id: int) -> ApiClient | None:
        return next((c for c in self.staff.values() if c.user_id == user_id), None)

    def customer_for(self, service_key: str) -> ApiClient:
        kinds = self.data["services"][service_key].get("customer_kinds") or ["person"]
        return self.customers[kinds[0]]

    # -- applications ---------------------------------------------------------------------
    def create(self, service_key: str, path: list[dict] = (), *, customer: ApiClient | None = None,
               with_documents: bool = True, overrides: dict | None = None,
               skip_documents: tuple[str, ...] = ()) -> int:
        service = self.data["services"][service_key]
        customer = customer or self.customer_for(service_key)
        workflow = self.data["workflows"][service["workflow"]]
        wanted = {**required_field_values(workflow, list(path)), **(overrides or {})}
        fields, _ = fill_form([f for f in service.get("fields", []) if f.get("type") != "file"],
                              overrides=wanted)
        body = {"fields": fields, "declaration": True}
        if service.get("cart"):
            body["cart"] = [{"code": item["code"], "quantity": 2} for item in service["catalogue"][:2]]
        if service.get("company_data", "none") != "none":
            body["company"] = {f["key"]: sample_value(f) for f in COMPANY_FIELDS}
        if service.get("location", "none") != "none":
            body["location"] = {f["key"]: sample_value(f) for f in LOCATION_FIELDS}
        if service.get("asset"):
            body["asset_id"] = self.assets[customer.user_id]
        files = {d["key"]: sample_file(d.get("types")) for d in service.get("documents", [])
                 if d["key"] not in skip_documents} if with_documents else None
        response = customer.create(service_key, files=files, **body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["result"]["id"]

    def detail(self, app_id: int, client: ApiClient | None = None) -> dict:
        client = client or next(iter(self.staff.values()))
        response = client.get(f"/api/v1/application/{app_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["result"]

    def actor_for(self, transition: dict, detail: dict, customer: ApiClient) -> ApiClient:
        by = transition["by"]
        if "customer" in by:
            return customer
        if "assignee" in by and detail["assignee_id"]:
            assigned = self.staff_by_id(detail["assignee_id"])
            if assigned is not None:
                return assigned
        for role in by:
            if role in self.staff:
                return self.staff[role]
        raise AssertionError(f"no test user for {by}")

    def form_for(self, transition: dict, detail: dict) -> tuple[dict, dict]:
        agency = self.data["agencies"][self.agency]
        return fill_form(
            transition.get("form", []),
            candidates={role: [client.user_id] for role, client in self.staff.items()},
            offered_slots=[s["id"] for s in detail["slots"] if s["status"] == "offered"],
            bank_accounts=[a["key"] for a in agency.get("bank_accounts", [])])

    def answer_survey(self, app_id: int, customer: ApiClient) -> None:
        detail = self.detail(app_id, customer)
        survey = self.data["surveys"][self.data["services"][detail["service"]]["survey"]]
        response = customer.post(f"/api/v1/application/{app_id}/survey", {
            "answers": {q["key"]: q["options"][-1]["score"] for q in survey["questions"]},
            "free_text": {t["key"]: "Pelayanan sudah baik." for t in survey.get("free_text", [])}})
        assert response.status_code == 201, response.get_json()

    def apply(self, app_id: int, transition: dict, *, customer: ApiClient | None = None,
              fields: dict | None = None, updates: dict | None = None):
        detail = self.detail(app_id)
        customer = customer or self.customers_by_id(detail)
        if "survey_done" in guard_names(transition) and "customer" in transition["by"]:
            self.answer_survey(app_id, customer)
        for guard in transition.get("guards", []):
            if isinstance(guard, dict) and "work_items_done" in guard:
                self.complete_rows(app_id, guard["work_items_done"]["step"])
        form_fields, files = self.form_for(transition, detail)
        form_fields.update(fields or {})
        actor = self.actor_for(transition, detail, customer)
        return actor.transition(app_id, transition["action"], form_fields, files=files or None,
                                updates=updates)

    def complete_rows(self, app_id: int, step: str) -> None:
        """Take every work row of the application up to ``step`` as the users the rules name."""
        from app.demo.data import complete_work_rows
        from app.extensions import db
        from models import User

        with self.app.app_context():
            complete_work_rows(app_id, step, {role: db.session.get(User, client.user_id)
                                              for role, client in self.staff.items()})
            db.session.remove()

    def customers_by_id(self, detail: dict) -> ApiClient:
        # the application's owner among our customers
        for client in self.customers.values():
            if client.get(f"/api/v1/application/{detail['id']}").status_code == 200:
                return client
        raise AssertionError("owner not among the office's customers")

    def drive(self, app_id: int, path: list[dict], customer: ApiClient | None = None) -> dict:
        for transition in path:
            response = self.apply(app_id, transition, customer=customer)
            assert response.status_code == 200, (transition["action"], response.get_json())
        return self.detail(app_id)


def signed_in(client, user: tuple[int, str]) -> ApiClient:
    user_id, username = user
    return ApiClient(client, api_login(client, username), user_id, username)


def transition(workflow: dict, action: str, from_state: str | None = None) -> dict:
    for t in workflow["transitions"]:
        if t["action"] == action and (from_state is None or from_state in t["from"]):
            return t
    raise KeyError(action)

