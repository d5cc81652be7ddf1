"""Uploads are checked by their content, and a refused upload leaves nothing behind: no rows, no
bytes on disk, no application when it came with the creation."""
from __future__ import annotations

import pytest

from .helpers import (AGENCY, BIG_PDF, HTML, PDF, PNG, SERVICE, application_count, ok, snapshot,
                      submitted_application)

BAD_UPLOADS = {
    "html_named_pdf": ((HTML, "x.pdf"), "Isi file bukan jenis yang diizinkan (hanya PDF)."),
    "over_size": ((BIG_PDF, "besar.pdf"), "Ukuran file melebihi 1 MB."),
    "path_in_name": ((PDF, "../../x.pdf"), "Nama file tidak diizinkan."),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_creation_with_a_bad_document_stores_nothing(app, factories, login, case):
    user = factories.customer()
    customer = login(user)
    bad, message = BAD_UPLOADS[case]
    before = snapshot(app)

    # the KTP is fine: it must not be kept either when the letter is refused
    response = customer.create(SERVICE, fields={"jenis": "biasa"},
                               files={"surat": bad, "ktp": (PNG, "ktp.png")})

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["field_errors"] == {"surat": message}
    assert application_count(app, user[0]) == 0
    assert snapshot(app) == before


FORM_BAD_UPLOADS = {
    "html_named_pdf": ((HTML, "x.pdf"), "Jenis file tidak diizinkan (hanya PDF, JPG, PNG)."),
    "over_size": ((BIG_PDF, "besar.pdf"), "Ukuran file melebihi 1 MB."),
    "path_in_name": ((PDF, "../../x.pdf"), "Nama file tidak diizinkan."),
}


@pytest.fixture(scope="module")
def awaiting_payment(factories, signed_in):
    """One application waiting for its payment proof, shared by the refused-upload cases."""
    customer = signed_in(factories.customer())
    staff = signed_in(factories.staff(AGENCY, "petugas"))
    return customer, submitted_application(customer, staff, upto="menunggu_bayar")


@pytest.mark.parametrize("case", list(FORM_BAD_UPLOADS))
def test_transition_with_a_bad_form_file_stores_nothing(app, awaiting_payment, case):
    customer, app_id = awaiting_payment
    bad, message = FORM_BAD_UPLOADS[case]
    before = snapshot(app, app_id)

    response = customer.transition(app_id, "bayar", files={"bukti": bad})

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["field_errors"] == {"bukti": message}
    assert snapshot(app, app_id) == before
    assert before.state == "menunggu_bayar"


def test_a_good_payment_proof_is_stored_once(app, awaiting_payment):
    customer, app_id = awaiting_payment
    before = snapshot(app, app_id)

    ok(customer.transition(app_id, "bayar", files={"bukti": (PDF, "bukti.pdf")}))

    after = snapshot(app, app_id)
    assert after.state == "cek_bayar"
    assert (after.application_files, after.stored_files) == (before.application_files + 1,
                                                            before.stored_files + 1)
    assert len(after.disk - before.disk) == 1
