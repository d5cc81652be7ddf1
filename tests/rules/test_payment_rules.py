"""The rules keys for payments (billing code, invoice due date and overdue) and document validity:
valid uses load, every mistake is reported with its place."""
from __future__ import annotations

import copy

import pytest
import yaml

from app.rules.loader import check_rules
from tests.rules.test_loader import VALID_RULES, messages, problems_for, write_rules


def with_payment(data: dict, **invoice) -> dict:
    """VALID_RULES with a billing step: the officer issues an invoice with a typed billing code,
    the customer pays, the treasurer records the payment; a system action for an expired code."""
    data = copy.deepcopy(data)
    data["roles"]["bendahara"] = {"label": "Bendahara"}
    workflow = data["workflows"]["sederhana"]
    workflow["states"]["bayar"] = {"label": "Menunggu Pembayaran", "kind": "waiting_customer"}
    workflow["states"]["cek_bayar"] = {"label": "Pembayaran Diverifikasi", "kind": "working"}
    workflow["transitions"] = [t for t in workflow["transitions"] if t["action"] != "proses"] + [
        {"action": "tagih", "label": "Terbitkan Tagihan", "from": ["terkirim"], "to": "bayar", "by": ["bendahara"],
         "form": [{"key": "kode", "label": "Kode billing", "type": "billing_code", "required": True},
                  {"key": "batas", "label": "Batas bayar", "type": "datetime", "required": True}],
         "effects": [{"create_invoice": {"amount_field": "biaya", **invoice}},
                     {"set_billing_code": {"field": "kode"}}]},
        {"action": "kedaluwarsa", "label": "Kedaluwarsa", "from": ["bayar"], "to": "terkirim", "by": ["system"]},
        {"action": "unggah", "label": "Unggah Bukti", "from": ["bayar"], "to": "cek_bayar", "by": ["customer"],
         "form": [{"key": "bukti", "label": "Bukti", "type": "file", "required": True}],
         "effects": [{"record_payment_proof": {"file_field": "bukti"}}]},
        {"action": "valid", "label": "Valid", "from": ["cek_bayar"], "to": "ttd", "by": ["bendahara"],
         "form": [{"key": "tanggal", "label": "Tanggal", "type": "date", "required": True},
                  {"key": "jumlah", "label": "Jumlah", "type": "money", "required": True},
                  {"key": "ref", "label": "Referensi", "type": "text"},
                  {"key": "ntpn", "label": "NTPN", "type": "ntpn"}],
         "effects": [{"set_payment_status": {"status": "valid", "date_field": "tanggal", "amount_field": "jumlah",
                                             "reference_field": "ref", "ntpn_field": "ntpn"}},
                     {"generate": {"documents": ["laporan"]}}]},
    ]
    data["services"]["uji_tera"]["fields"].append({"key": "biaya", "label": "Biaya", "type": "money"})
    data["documents"]["laporan"]["validity"] = {
        "years": 5, "from": "signed",
        "remind": {"days_before": [60, 30],
                   "notify": [{"to": "customer", "channels": ["email", "inbox"], "template": "diterima"}]}}
    return data


GOOD_INVOICE = {"due": {"field": "batas"},
                "on_overdue": {"fire": "kedaluwarsa",
                               "notify": [{"to": "customer", "channels": ["email"], "template": "diterima"}]}}


@pytest.fixture
def base() -> dict:
    return yaml.safe_load(VALID_RULES)


def test_payment_and_validity_keys_load(tmp_path, base):
    path = write_rules(tmp_path, yaml.safe_dump(with_payment(base, **GOOD_INVOICE), sort_keys=False))
    rules, problems = check_rules(path)
    assert problems == [] and rules is not None
    assert rules.data["documents"]["laporan"]["validity"]["years"] == 5


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["documents"]["laporan"].update(validity={"years": 5, "months": 2}), "tepat satu dari"),
    (lambda d: d["documents"]["laporan"].update(validity={"years": 0}), "years"),
    (lambda d: d["documents"]["laporan"].update(validity={"years": 1, "from": "kemarin"}),
     "issued, signed atau field:<kunci isian>"),
    (lambda d: d["documents"]["laporan"]["validity"]["remind"].update(days_before=[]), "days_before"),
    (lambda d: d["documents"]["laporan"]["validity"]["remind"]["notify"][0].update(template="tidak_ada"),
     "tidak_ada"),
    (lambda d: d["documents"]["laporan"]["validity"]["remind"]["notify"][0].update(to="actor"), "actor"),
    (lambda d: tagih(d)[0]["create_invoice"].update(due={"days": 3, "field": "batas"}), "tepat satu dari"),
    (lambda d: tagih(d)[0]["create_invoice"].update(due={"field": "tidak_ada"}), "'tidak_ada'"),
    (lambda d: tagih(d)[0]["create_invoice"].update(due={"field": "kode"}), "isian date atau datetime"),
    (lambda d: tagih(d)[0]["create_invoice"]["on_overdue"].update(fire="unggah"),
     "bukan aksi yang tersedia bagi 'system' dari status 'bayar'"),
    (lambda d: tagih(d)[0]["create_invoice"].pop("due"), "'on_overdue' tetapi tidak memiliki 'due'"),
    (lambda d: tagih(d)[1].update(set_billing_code={"field": "batas"}), "isian billing_code"),
    (lambda d: tagih(d)[1].update(set_billing_code={"numbering": "tidak_ada"}), "tidak_ada"),
    (lambda d: tagih(d)[1].update(set_billing_code={"numbering": "nomor", "field": "kode"}), "tepat satu dari"),
    (lambda d: valid(d)["form"][3].update(type="text"), "isian ntpn"),
    (lambda d: valid(d)["form"][1].update(type="text"), "money atau number"),
    (lambda d: valid(d)["effects"][0]["set_payment_status"].update(date_field="jumlah"), "isian date"),
])
def test_mistakes_in_payment_and_validity_keys_are_reported(tmp_path, base, mutate, expected):
    data = with_payment(base, **GOOD_INVOICE)
    mutate(data)
    problems = problems_for(tmp_path, data)
    assert expected in messages(problems), messages(problems)


def tagih(data: dict) -> list:
    return next(t for t in data["workflows"]["sederhana"]["transitions"] if t["action"] == "tagih")["effects"]


def valid(data: dict) -> dict:
    return next(t for t in data["workflows"]["sederhana"]["transitions"] if t["action"] == "valid")


@pytest.mark.parametrize("pattern, ok", [
    ("{yy}{mm}{dd}{seq:09}", True),
    ("8{yyyy}{mm}{seq:08}", True),
    ("{seq:15}", True),
    ("{yy}{mm}{dd}{seq}", False),          # unpadded: the length changes
    ("BILL{yy}{seq:11}", False),           # letters
    ("{agency}{seq:12}", False),
    ("{yy}{mm}{dd}{seq:10}", False),       # 16 digits
    ("{yy}{mm}{roman_month}{seq:09}", False),
])
def test_numbering_for_billing_codes_must_give_fifteen_digits(tmp_path, base, pattern, ok):
    data = with_payment(base, **GOOD_INVOICE)
    data["numbering"]["billing"] = {"pattern": pattern, "per": ["agency", "year"]}
    tagih(data)[1] = {"set_billing_code": {"numbering": "billing"}}
    path = write_rules(tmp_path, yaml.safe_dump(data, sort_keys=False))
    _, problems = check_rules(path)
    complaint = [p for p in problems if "tidak menghasilkan 15 angka" in p.text()]
    assert (complaint == []) is ok, messages(problems)
