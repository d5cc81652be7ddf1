"""A tariff computed from data (issue 13, item 5): ``create_invoice.amount_expr`` is a small
whitelisted arithmetic language; hostile or mistyped expressions are refused by ``rules check`` at
the line of the expression, and the evaluator computes whole rupiah."""
from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from app.rules.loader import check_rules
from app.rules.tariff import TariffError, evaluate_tariff, explain_tariff, parse_tariff
from tests.rules.test_loader import VALID_RULES, messages, problems_for, write_rules
from tests.rules.test_payment_rules import tagih, with_payment


def with_tariff(expression: str, *, cart: bool = True) -> dict:
    # the invoice's own due/on_overdue (test_payment_rules mutates its GOOD_INVOICE in place)
    invoice = {"due": {"field": "batas"}, "on_overdue": {"fire": "kedaluwarsa"}}
    data = with_payment(yaml.safe_load(VALID_RULES), **invoice)
    service = data["services"]["uji_tera"]
    service["fields"].append({"key": "jumlah_hari", "label": "Jumlah hari", "type": "number"})
    service["fields"].append({"key": "catatan", "label": "Catatan", "type": "text"})
    if cart:
        service["cart"] = True
        service["catalogue"] = [{"code": "SEWA-1", "name": "Sewa aula", "unit": "per hari", "price": 1500000}]
    else:
        service.pop("cart", None)
    invoice = tagih(data)[0]["create_invoice"]
    invoice.pop("amount_field")
    invoice["amount_expr"] = expression
    return data


def expression_line(path) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "amount_expr" in line)


@pytest.mark.parametrize("expression", [
    "booked_days * 1500000",
    "fields.jumlah_hari * 1500000 + cart_total",
    "max(1, fields.jumlah_hari) * 250000 if cart_quantity > 2 else round(fields.biaya / 3)",
    "ceil(fields.jumlah_hari / 2) * 100000 - floor(cart_total // 7) + min(1, 2, 3)",
])
def test_good_tariffs_load(tmp_path, expression):
    path = write_rules(tmp_path, yaml.safe_dump(with_tariff(expression), sort_keys=False))
    rules, problems = check_rules(path)
    assert problems == [] and rules is not None, messages(problems)


HOSTILE = [
    ("__import__('os').system('id')", "tidak diizinkan"),
    ("fields.__class__.__mro__", "tidak diizinkan"),
    ("fields.__class__", "tidak diizinkan"),
    ("().__class__.__bases__[0].__subclasses__()", "tidak diizinkan"),
    ("9**9**9", "tidak diizinkan"),
    ("2 ** 10", "tidak diizinkan"),
    ("(lambda: 1)()", "tidak diizinkan"),
    ("[x for x in (1, 2)]", "tidak diizinkan"),
    ("sum(x for x in (1, 2))", "tidak diizinkan"),
    ("'a' * 3", "tidak diizinkan"),
    ("fields.biaya[0]", "tidak diizinkan"),
    ("open('/etc/passwd')", "tidak diizinkan"),
    ("eval('1')", "tidak diizinkan"),
    ("max(*[1, 2])", "tidak diizinkan"),
    ("round(x=1)", "tidak diizinkan"),
    ("True * 5", "tidak diizinkan"),
    ("biaya * 2", "nama 'biaya' yang tidak dikenal"),
    ("fields", "nama 'fields' yang tidak dikenal"),
    ("1 +", "tidak dapat dibaca"),
    ("10000000000000000 * 2", "terlalu besar"),
    ("1" + " + 1" * 200, "terlalu panjang"),
    ("(" * 14 + "1" + ")" * 14 + " + " + "-" * 14 + "1", "terlalu dalam"),
    ("round(1, 2)", "jumlah argumen yang salah"),
]


@pytest.mark.parametrize("expression, expected", HOSTILE)
def test_hostile_tariffs_are_refused_at_their_line(tmp_path, expression, expected):
    data = with_tariff(expression)
    problems = problems_for(tmp_path, data)
    text = messages(problems)
    assert expected in text, text
    path = tmp_path / "workflow_rules.yaml"
    hits = [p for p in problems if expected in p.text()]
    assert hits and all(p.line == expression_line(path) and p.file.endswith("workflow_rules.yaml") for p in hits), text
    with pytest.raises(TariffError):
        parse_tariff(expression)


@pytest.mark.parametrize("expression, expected", [
    ("fields.tidak_ada * 2", "'tidak_ada', yang tidak ada di formulir dan bukan isian layanan 'uji_tera'"),
    ("fields.catatan * 2", "'catatan' adalah isian text"),
    ("fields.jumlah_har * 2", "jumlah_hari"),   # did you mean
])
def test_tariff_names_must_be_numeric_fields_of_the_service_or_form(tmp_path, expression, expected):
    problems = problems_for(tmp_path, with_tariff(expression))
    assert expected in messages(problems), messages(problems)
    path = tmp_path / "workflow_rules.yaml"
    assert any(p.line == expression_line(path) for p in problems if expected in p.text())


def test_cart_names_need_a_cart(tmp_path):
    problems = problems_for(tmp_path, with_tariff("cart_total + 1", cart=False))
    assert "tidak memiliki keranjang" in messages(problems)


def test_exactly_one_amount(tmp_path):
    data = with_tariff("booked_days * 2")
    tagih(data)[0]["create_invoice"]["amount"] = "cart_total"
    assert "tepat satu dari" in messages(problems_for(tmp_path, data))


@pytest.mark.parametrize("expression, fields, names, expected", [
    ("booked_days * 1500000", {}, {"booked_days": 3}, Decimal(4500000)),
    ("fields.n * 1000.4", {"n": "3"}, {}, Decimal(3001)),          # 3001.2 → whole rupiah
    ("fields.n * 0.5", {"n": 3}, {}, Decimal(2)),                   # 1.5 rounds half up
    ("fields.n * 2", {"n": None}, {}, Decimal(0)),                  # empty counts as 0
    ("7 // 2 * 1000", {}, {}, Decimal(3000)),
    ("100 if cart_total >= 500 and not booked_days else 200", {}, {"cart_total": 600, "booked_days": 0}, Decimal(100)),
])
def test_evaluation_in_whole_rupiah(expression, fields, names, expected):
    assert evaluate_tariff(parse_tariff(expression), fields, names) == expected


@pytest.mark.parametrize("expression, fields, message", [
    ("fields.n / 0", {"n": 1}, "membagi dengan nol"),
    ("0 - fields.n", {"n": 5}, "negatif"),
    ("fields.n * 1000000000000", {"n": 10}, "terlalu besar"),
    ("fields.n * 2", {"n": "dua"}, "bukan angka"),
])
def test_evaluation_refuses_bad_results(expression, fields, message):
    with pytest.raises(TariffError) as error:
        evaluate_tariff(parse_tariff(expression), fields, {})
    assert message in str(error.value)


def test_explanation_shows_the_branch_taken_with_values():
    tree = parse_tariff("booked_days * 1500000 if booked_days > 0 else 50000")
    words = explain_tariff(tree, {}, {"booked_days": 3}, money=lambda v: f"Rp {int(v):,}".replace(",", "."),
                           number=str, field_words=lambda k, v: f"{v} ({k})", name_words=lambda k, v: f"{v} hari")
    assert words == "3 hari × Rp 1.500.000 = Rp 4.500.000"
    tree = parse_tariff("(fields.a + 2) * 1000")
    words = explain_tariff(tree, {"a": 1}, {}, money=lambda v: f"Rp {v}", number=str,
                           field_words=lambda k, v: f"{v} ({k})", name_words=lambda k, v: "")
    assert words == "(1 (a) + 2) × Rp 1000 = Rp 3000"


# --- deposits and refunds (item 7): the keys are checked like the other payment effects ----------
def with_refund(field_type: str = "text", kind: str = "deposit") -> dict:
    data = with_tariff("fields.biaya * 1")
    tagih(data)[0]["create_invoice"]["kind"] = kind
    transitions = data["workflows"]["sederhana"]["transitions"]
    transitions.append({
        "action": "kembalikan", "label": "Kembalikan Jaminan", "from": ["ttd"], "to": "ttd", "by": ["bendahara"],
        "form": [{"key": "tgl", "label": "Tanggal", "type": "date", "required": True},
                 {"key": "jml", "label": "Jumlah", "type": "money", "required": True},
                 {"key": "rek", "label": "Rekening", "type": field_type, "required": True}],
        "effects": [{"record_refund": {"date_field": "tgl", "amount_field": "jml", "account_field": "rek"}}]})
    return data


def test_refund_keys_load(tmp_path):
    path = write_rules(tmp_path, yaml.safe_dump(with_refund(), sort_keys=False))
    rules, problems = check_rules(path)
    assert problems == [] and rules is not None, messages(problems)


@pytest.mark.parametrize("data, expected", [
    (lambda: with_refund(field_type="date"), "isian text atau textarea"),
    (lambda: with_refund(kind="refund"), "fee"),
])
def test_refund_mistakes_are_reported(tmp_path, data, expected):
    assert expected in messages(problems_for(tmp_path, data()))
