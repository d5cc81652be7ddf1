"""Steps shared by the journeys: portal login, a staff action through the REST API, wizard steps."""
from __future__ import annotations

from config import DEMO_PASSWORD
from tests.workflows.driver import transition
from app.demo.autofill import SAMPLE_PDF, SAMPLE_PNG  # real files: uploads are parsed

PDF = SAMPLE_PDF
PNG = SAMPLE_PNG


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def png(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def portal_login(page, identifier: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/portal/masuk")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]:has-text('Masuk')")
    page.wait_for_load_state()
    assert page.locator("form[action$='/portal/keluar']").count() == 1, \
        (page.url, page.locator(".error, .flash").all_inner_texts())


def staff_login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in on the back office's login form (Flask-AppBuilder's /login/)."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")
    page.wait_for_load_state()


def fill_registration(page, *, nik: str, full_name: str, occupation: str, address: str, phone: str,
                      email: str, password: str) -> None:
    """The portal's registration form filled as a person would (the cascading region selects too),
    the terms accepted; the caller submits it."""
    page.goto("/portal/daftar")
    page.fill("[name=nik]", nik)
    page.fill("[name=full_name]", full_name)
    page.fill("[name=occupation]", occupation)
    page.fill("[name=address]", address)
    for level in ("province", "regency"):
        page.wait_for_function(f"document.querySelectorAll('#{level}-pilih option').length > 1")
        page.select_option(f"#{level}-pilih", index=1)
    page.fill("[name=phone]", phone)
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.fill("[name=password_confirm]", password)
    page.check("[name=agree]")


def verified_customer(app, factories, kind: str = "person") -> tuple[int, str]:
    """A customer made by the test factory, with their e-mail already verified."""
    from sqlalchemy import select

    from app.extensions import db
    from models import CustomerProfile
    from models.base import utcnow

    user_id, username = factories.customer(kind)
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        profile.email_verified_at = utcnow()
        db.session.commit()
    return user_id, username


def off_loop(fn, *args, **kwargs):
    """Run ``fn`` in another thread: Playwright's sync API keeps an asyncio loop running in this
    one, and pyHanko's signing calls asyncio.run()."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def staff_does(office, app_id: int, action: str, **fields) -> dict:
    """A staff member of ``office`` takes ``action`` (its form filled with plausible values)."""
    return off_loop(_staff_does, office, app_id, action, **fields)


def _staff_does(office, app_id: int, action: str, **fields) -> dict:
    detail = office.detail(app_id)
    workflow = office.data["workflows"][office.data["services"][detail["service"]]["workflow"]]
    step = transition(workflow, action, detail["state"])
    response = office.apply(app_id, step, customer=next(iter(office.customers.values())), fields=fields)
    assert response.status_code == 200, (action, response.get_json())
    return office.detail(app_id)


def next_step(page) -> None:
    page.click("#step-nav [data-next]")


def app_id_from(page) -> int:
    import re
    found = re.search(r"/portal/permohonan/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def no_horizontal_scroll(page) -> None:
    """Usable at 375 px: nothing wider than the screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"page is {width}px wide at 375px: {page.url}"
