"""The rules workspace's editor in Chromium: an agency administrator opens the office's rules file
in the vendored CodeMirror (YAML highlighting, line numbers), breaks it, saves the draft, sees the
loader's message with its file:line, and clicking it puts the cursor on that line. Nothing is
activated (the app's live rules are the repository's); the draft lives in a folder of the test."""
from __future__ import annotations

from tests.e2e.helpers import staff_login


def test_editor_shows_a_problem_at_its_line(browser, live_server, app, factories, tmp_path):
    _user_id, username = factories.staff("kaltim", "admin_instansi")
    folder = app.config["RULES_WORKSPACE_FOLDER"]
    app.config["RULES_WORKSPACE_FOLDER"] = str(tmp_path / "drafts")
    from tests.e2e.test_accessibility import axe_violations, report

    # CSP bypassed only so that the test can inject axe
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="id-ID",
                                  bypass_csp=True)
    found = {}
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        staff_login(page, username)
        page.goto("/ruang-aturan/")
        found["workspace"] = axe_violations(page)
        page.click("a[href='/ruang-aturan/kaltim/berkas?path=rules/kaltim.yaml']")
        page.wait_for_selector(".CodeMirror-code")
        assert page.locator(".CodeMirror-code .cm-atom").count() > 5     # YAML keys highlighted
        assert page.locator(".CodeMirror-linenumber").count() > 10
        line = page.evaluate("""() => {
          const cm = document.querySelector('.CodeMirror').CodeMirror;
          const text = cm.getValue().replace('initial: verifikasi', 'initial: verifkasi');
          cm.setValue(text);
          return text.split('\\n').indexOf('    initial: verifkasi') + 1;
        }""")
        assert line > 1
        page.click("#workspace-editor button[type=submit]")
        link = page.locator(f"#rules-findings a[data-line='{line}']")
        link.wait_for()
        assert f"rules/kaltim.yaml:{line}" in link.inner_text()
        page.wait_for_selector(".CodeMirror-code")   # the reloaded page's editor is made by its tail script
        page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.setCursor({line: 0, ch: 0})")
        link.click()
        cursor = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getCursor().line")
        assert cursor == line - 1
        assert page.locator(".cm-problem-line").count() >= 1
        found["editor with problems"] = axe_violations(page)
        page.goto("/ruang-aturan/kaltim/versi")
        found["versions"] = axe_violations(page)
        assert "verifkasi" in (tmp_path / "drafts" / "kaltim" / "rules" / "kaltim.yaml").read_text()
    finally:
        context.close()
        app.config["RULES_WORKSPACE_FOLDER"] = folder
    assert errors == []
    found = {page: violations for page, violations in found.items() if violations}
    assert not found, "\n" + report(found)
