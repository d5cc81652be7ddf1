"""`flask rules check` and `flask rules activate`: every problem with its place; one stored version
per content; applications keep the version they started with; no change strands live work."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from .conftest import CORE_RULES
from .helpers import AGENCY, SERVICE, ok, submitted_application


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize("args, summary", [
    ([], "OK: 2 instansi, 3 layanan, 1 alur kerja, 9 status, 12 transisi"),   # Indonesian by default
    (["--lang", "en"], "OK: 2 agencies, 3 services, 1 workflows, 9 states, 12 transitions"),
    (["--lang", "id"], "OK: 2 instansi, 3 layanan, 1 alur kerja, 9 status, 12 transisi"),
])
def test_check_summarises_a_valid_file(app, monkeypatch, args, summary):
    monkeypatch.setenv("LANG", "C.UTF-8")
    result = cli(app, "rules", "check", *args, str(CORE_RULES))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(summary)


def test_check_lists_every_problem_with_its_place(app, tmp_path):
    text = CORE_RULES.read_text()
    text = text.replace(
        "      - action: batalkan\n",
        "      - {action: loncat, label: Loncat, from: [diproses], to: entah_kemana, by: [petugas]}\n"
        "      - {action: dari_terlupa, label: Lanjut, from: [terlupa], to: selesai, by: [petugas]}\n"
        "      - action: batalkan\n", 1)
    text = text.replace("      dibatalkan: {label: Dibatalkan, kind: final_cancelled}\n",
                        "      dibatalkan: {label: Dibatalkan, kind: final_cancelled}\n"
                        "      terlupa: {label: Terlupa, kind: working}\n", 1)
    text = text.replace("template: diterima}]", "template: tidak_ada}]", 1)
    broken = tmp_path / "workflow_rules.yaml"
    broken.write_text(text)

    result = cli(app, "rules", "check", "--lang", "en", str(broken))

    assert result.exit_code == 1, result.output
    out = result.output
    assert f"{broken}:{line_of(broken, 'to: entah_kemana')}:" in out and "unknown state 'entah_kemana'" in out
    assert f"{broken}:{line_of(broken, 'terlupa: {label')}: state 'terlupa'" in out and "unreachable" in out
    assert f"{broken}:{line_of(broken, 'template: tidak_ada')}:" in out
    assert "notification template 'tidak_ada' is not defined" in out
    assert "3 problem(s) found" in out


def versions(app) -> list[tuple[int, bool]]:
    from app.extensions import db
    from models import RulesVersion

    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(RulesVersion.id, RulesVersion.active).order_by(RulesVersion.id))]


def active_version(app) -> int:
    return next(vid for vid, active in versions(app) if active)


def service_version(app, key: str = SERVICE) -> int:
    from app.extensions import db
    from models import ServiceType

    with app.app_context():
        return db.session.scalar(select(ServiceType.rules_version_id).where(ServiceType.key == key))


def application_version(app, app_id: int) -> int:
    from app.extensions import db
    from models import Application

    with app.app_context():
        return db.session.get(Application, app_id).rules_version_id


def changed_copy(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(CORE_RULES.read_text())
    change(data)
    path = tmp_path / "changed" / "workflow_rules.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture
def restore_rules(app):
    """Put the test rules back in force, whatever the test activated."""
    yield
    result = cli(app, "rules", "activate", str(CORE_RULES))
    assert result.exit_code == 0, result.output


def test_versions_are_stored_once_and_applications_keep_theirs(app, factories, login, tmp_path,
                                                             restore_rules):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    original = active_version(app)
    copy = tmp_path / "same" / "workflow_rules.yaml"
    copy.parent.mkdir()
    shutil.copy(CORE_RULES, copy)
    before = versions(app)

    for path in (CORE_RULES, copy):                     # the same content, twice, from two places
        assert cli(app, "rules", "activate", str(path)).exit_code == 0
    assert versions(app) == before

    old_app = submitted_application(customer, staff)
    relabelled = changed_copy(tmp_path, lambda d: d["workflows"]["alur_uji"]["states"]["diproses"]
                              .update(label="Sedang Diproses"))
    result = cli(app, "rules", "activate", str(relabelled))
    assert result.exit_code == 0, result.output
    new = active_version(app)
    assert new != original and len(versions(app)) == len(before) + 1
    assert service_version(app) == new

    assert application_version(app, old_app) == original
    ok(staff.transition(old_app, "terima"))            # still decided by the rules it started with
    assert ok(customer.get(f"/api/v1/application/{old_app}"))["result"]["state_label"] == "Diproses"
    new_app = submitted_application(customer, staff, upto="diproses")
    assert application_version(app, new_app) == new
    assert ok(customer.get(f"/api/v1/application/{new_app}"))["result"]["state_label"] == "Sedang Diproses"


def test_a_change_that_strands_live_applications_is_refused(app, factories, login, tmp_path,
                                                           restore_rules):
    from app.commands.rules.activate import ActivateRulesCommand, RulesStrandError
    from app.extensions import db
    from app.rules.loader import load_rules
    from models import Application, RulesVersion, ServiceType

    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    in_revision = submitted_application(customer, staff)
    ok(staff.transition(in_revision, "minta_revisi", fields={"catatan": "Lengkapi KTP"}))

    def without_revisi(data):
        workflow = data["workflows"]["alur_uji"]
        del workflow["states"]["revisi"]
        workflow["transitions"] = [t for t in workflow["transitions"]
                                   if t["action"] not in ("minta_revisi", "kirim_revisi")]

    path = changed_copy(tmp_path, without_revisi)
    before = versions(app), service_version(app)

    with app.app_context():
        live = db.session.scalar(select(func.count(Application.id)).join(ServiceType).where(
            ServiceType.workflow_key == "alur_uji", Application.state == "revisi"))
        with pytest.raises(RulesStrandError) as refused:
            ActivateRulesCommand(load_rules(path)).run()
        db.session.rollback()
        assert db.session.scalar(select(func.count(RulesVersion.id))) == len(before[0])
    assert live >= 1
    from app.rules.messages import render
    assert [render(problem, "en") for problem in refused.value.problems] == [
        f"state 'revisi' of workflow 'alur_uji' is removed but {live} live application(s) are in it"]
    assert [render(problem) for problem in refused.value.problems] == [
        f"status 'revisi' dari alur kerja 'alur_uji' dihapus, padahal {live} permohonan berjalan masih berada di status itu"]
    assert refused.value.status == 409

    result = cli(app, "rules", "activate", str(path))
    assert result.exit_code == 1
    assert f"'revisi' of workflow 'alur_uji' is removed but {live} live application(s)" in result.output or \
        f"'revisi' dari alur kerja 'alur_uji' dihapus, padahal {live} permohonan berjalan" in result.output  # LANG decides
    assert (versions(app), service_version(app)) == before
    assert customer.actions(in_revision) == ["kirim_revisi"]
