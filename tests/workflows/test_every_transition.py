"""Every transition of every shipped workflow, driven through the REST transition endpoint.

For each transition: an application is created for a service using that workflow, walked along
the shortest path to the transition's source state by the users holding each step's role, and
then the transition itself is applied — it must succeed and land in its target state. Transitions
only the system may take (SLA overdue actions) are fired by `flask sla tick`.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.demo.autofill import path_to
from app.rules.loader import load_rules
from config import Config

RULES = load_rules(Config.RULES_PATH).data


def _cases():
    for workflow_key, workflow in RULES["workflows"].items():
        service_key = next(k for k, s in RULES["services"].items() if s["workflow"] == workflow_key)
        for index, transition in enumerate(workflow["transitions"]):
            for from_state in transition["from"]:
                yield pytest.param(service_key, workflow_key, index, from_state,
                                   id=f"{workflow_key}:{transition['action']}@{from_state}")


@pytest.mark.parametrize("service_key,workflow_key,index,from_state", list(_cases()))
def test_transition(app, offices, service_key, workflow_key, index, from_state):
    workflow = RULES["workflows"][workflow_key]
    transition = workflow["transitions"][index]
    office = offices[RULES["services"][service_key]["agency"]]
    path = path_to(workflow, from_state)
    assert path is not None, f"{from_state} is not reachable without passing a final state"
    app_id = office.create(service_key, path + [transition])
    detail = office.drive(app_id, path)
    assert detail["state"] == from_state

    if transition["by"] == ["system"]:
        from app.commands.sla import SlaTickCommand
        from models.base import utcnow
        with app.app_context():
            SlaTickCommand(now=utcnow() + timedelta(days=400)).run()
        detail = office.detail(app_id)
        assert detail["state"] == transition["to"]
        assert detail["timeline"][-1]["action"] == transition["action"]
        return

    response = office.apply(app_id, transition)
    assert response.status_code == 200, response.get_json()
    detail = office.detail(app_id)
    assert detail["state"] == transition["to"]
    assert detail["timeline"][-1]["action"] == transition["action"]
