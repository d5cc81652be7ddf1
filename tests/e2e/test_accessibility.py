"""WCAG 2.1 AA: axe-core (vendored, tests/e2e/vendor/axe-core) finds no serious or critical violation
on the back office — as each role that uses it sees it — nor on the portal's main pages.

Each page is opened in headless Chromium, axe runs over the whole document with the WCAG 2.0/2.1
A and AA rules, and the test fails listing every serious/critical violation with its nodes.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.demo.autofill import path_to
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import off_loop, portal_login, staff_login, verified_customer

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
}"""


def _artifact(name: str) -> Path:
    ARTIFACTS.joinpath("accessibility").mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / "accessibility" / name


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def report(found: dict[str, list[dict]]) -> str:
    lines = []
    for url, violations in found.items():
        for v in violations:
            lines.append(f"{url}: [{v['impact']}] {v['id']} — {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.fixture
def desk(browser, live_server):
    """A desktop-sized staff browser (CSP bypassed only so the test can inject axe)."""
    contexts = []

    def _open(username: str, locale: str = "id-ID"):
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                      locale=locale, bypass_csp=True)
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        staff_login(page, username)
        return page
    yield _open
    for context in contexts:
        context.close()


def _walk(office, service_key: str, to_state: str) -> int:
    workflow = office.data["workflows"][office.data["services"][service_key]["workflow"]]
    path = path_to(workflow, to_state)
    app_id = office.create(service_key, path)
    office.drive(app_id, path)
    return app_id


def check(page, urls: list[str], found: dict) -> None:
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        if violations:
            found[url] = violations


def test_back_office_has_no_serious_or_critical_axe_violation(desk, app, offices):
    kaltim, bmkg = offices["kaltim"], offices["bmkg"]
    kaltim_id = off_loop(kaltim.create, "kaltim_sipb")
    # a form with file inputs: BMKG's result upload
    bmkg_id = off_loop(_walk, bmkg, "bmkg_informasi", "diproses")
    found: dict[str, list[dict]] = {}

    verifikator = desk(kaltim.staff["verifikator"].username)
    check(verifikator, [
        "/backoffice/antrean/",
        f"/backoffice/permohonan/{kaltim_id}",
        f"/backoffice/permohonan/{kaltim_id}/tindakan/lolos_verifikasi",
        f"/backoffice/permohonan/{kaltim_id}/tindakan/kembalikan_revisi",
    ], found)
    # the same form with a field error: linked to its field and announced
    verifikator.click("form[method=post] button[type=submit]")
    verifikator.wait_for_load_state("load")
    error_link = verifikator.evaluate("""() => {
      const field = document.getElementById('catatan');
      const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
      const errors = ids.map(id => document.getElementById(id)).filter(e => e && e.textContent.trim());
      return {invalid: field.getAttribute('aria-invalid'), errors: errors.length,
              announced: errors.filter(e => e.closest('[role=alert], [aria-live]')).length};
    }""")
    violations = axe_violations(verifikator)
    if violations:
        found["kembalikan_revisi (with errors)"] = violations

    petugas = desk(bmkg.staff["petugas_layanan"].username)
    check(petugas, [f"/backoffice/permohonan/{bmkg_id}/tindakan/sediakan_dokumen"], found)

    admin = desk(app.config["ADMIN_USERNAME"])
    check(admin, [
        "/backoffice/dasbor/",
        "/backoffice/rekap/",
        "/backoffice/ikm/",
        "/backoffice/aturan/",
        "/users/list/",
        "/users/show/1",
        "/users/edit/1",
        "/users/add",
        "/applicationview/list/",
        f"/applicationview/show/{kaltim_id}",
        "/agencyview/list/",
        "/agencyview/edit/1",
    ], found)
    assert not found, "\n" + report(found)
    assert error_link == {"invalid": "true", "errors": 1, "announced": 1}, error_link


def test_back_office_in_english_has_no_serious_or_critical_axe_violation_nor_platform_indonesian(
        desk, app, offices):
    kaltim = offices["kaltim"]
    kaltim_id = off_loop(kaltim.create, "kaltim_sipb")
    found: dict[str, list[dict]] = {}
    officer = desk(kaltim.staff["verifikator"].username, locale="en-US")
    officer.goto("/lang/en")
    check(officer, ["/backoffice/antrean/", f"/backoffice/permohonan/{kaltim_id}"], found)
    officer.screenshot(path=str(_artifact("application-en.png")), full_page=True)
    assert officer.locator("html").get_attribute("lang") == "en"
    page_text = officer.inner_text("body")
    # the platform's own words (not the office's rules labels) are English
    assert "Application created" in page_text and "Permohonan dibuat" not in page_text, page_text[:2000]
    officer.goto("/backoffice/antrean/")
    # the SLA badges and their remaining time (the state filter lists the rules' own labels)
    officer.screenshot(path=str(_artifact("queue-en.png")))
    queue_text = " ".join(officer.locator("main table tbody").all_inner_texts())
    assert "working day" in queue_text or "today" in queue_text, queue_text[:2000]
    assert [w for w in ("Tepat waktu", "Segera jatuh tempo", "Terlambat", "hari kerja", "hari ini") if w in queue_text] == []

    admin = desk(app.config["ADMIN_USERNAME"], locale="en-US")
    admin.goto("/lang/en")
    check(admin, ["/backoffice/dasbor/", "/users/list/"], found)
    # a Flask-AppBuilder form with an error: linked to its field and announced
    admin.goto("/users/add")
    admin.evaluate("document.getElementById('model_form').noValidate = true")   # the server's errors, not the browser's
    admin.click("form#model_form button[type=submit]")
    admin.wait_for_load_state("load")
    linked = admin.evaluate("""() => [...document.querySelectorAll('[aria-invalid=true]')].map(field => {
      const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
      const errors = ids.map(id => document.getElementById(id)).filter(e => e && e.getAttribute('role') === 'alert');
      return errors.length && errors[0].textContent.trim().length > 0;
    })""")
    assert linked and all(linked), linked
    admin.screenshot(path=str(_artifact("user-add-errors-en.png")), full_page=True)
    violations = axe_violations(admin)
    if violations:
        found["/users/add (with errors)"] = violations
    assert not found, "\n" + report(found)


def test_portal_has_no_serious_or_critical_axe_violation(browser, live_server, app, factories):
    _user_id, username = verified_customer(app, factories, "person")
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                  locale="id-ID", bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    found: dict[str, list[dict]] = {}
    try:
        check(page, ["/portal/", "/portal/layanan", "/portal/masuk", "/portal/daftar", "/lacak"], found)
        # in English, the region picker (words written by static/portal/account.js) is English too
        page.goto("/lang/en")
        check(page, ["/portal/daftar"], found)
        assert page.locator("html").get_attribute("lang") == "en"
        page.wait_for_function("document.querySelector('fieldset[data-regions] select option')")
        picker = page.evaluate("""() => ({
          first: document.querySelector('fieldset[data-regions] select option').textContent,
          placeholder: document.querySelector('fieldset[data-regions] [data-region]').placeholder})""")
        assert picker == {"first": "— Select —", "placeholder": "Type the region name"}, picker
        page.goto("/lang/id")
        portal_login(page, username)
        check(page, ["/portal/permohonan", "/portal/profil", "/portal/layanan/kaltim_sipb"], found)
    finally:
        context.close()
    assert not found, "\n" + report(found)
