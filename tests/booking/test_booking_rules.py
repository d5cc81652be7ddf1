"""Rules check of resources and a service's booking: each mistake reported at its file:line."""
from __future__ import annotations

import pytest

from app.rules.loader import check_rules
from tests.rules.test_loader import VALID_RULES, line_of, messages, write_rules

RESOURCES = """\
    resources:
      - key: aula
        label: {id: Aula Serbaguna, en: Multipurpose hall}
        capacity: 2
        opening_hours: {mon: "08:00-16:00", tue: "08:00-16:00"}
        managed_by: [petugas]
"""
BOOKING = """\
    booking: {resource: aula, unit: day, pick_in: [draf]}
"""


def booking_rules(resources: str = RESOURCES, booking: str = BOOKING) -> str:
    text = VALID_RULES.replace("    service_classes:\n", resources + "    service_classes:\n", 1)
    return text.replace("    receipt_numbering: resi\n", "    receipt_numbering: resi\n" + booking, 1)


def test_a_valid_resource_and_booking_load_with_defaults(tmp_path):
    path = write_rules(tmp_path, booking_rules(RESOURCES.replace("        capacity: 2\n", "")))
    rules, problems = check_rules(path)
    assert problems == [], messages(problems)
    resource = rules.agency("balai").resources[0]
    service = rules.service("uji_tera")
    assert service.booking.resource == "aula" and service.booking.unit == "day"
    assert service.booking.pick_in == ["draf"]
    assert resource.capacity == 1 and resource.opening_hours["mon"] == "08:00-16:00"


def check(tmp_path, text):
    path = write_rules(tmp_path, text)
    rules, problems = check_rules(path)
    assert rules is None
    return str(path), messages(problems)


def test_unknown_resource_of_a_service_is_reported_at_its_line(tmp_path):
    text = booking_rules(booking="    booking: {resource: aual}\n")
    path, text_out = check(tmp_path, text)
    assert f"{path}:{line_of(text, 'booking: {resource: aual}')}" in text_out
    assert "aual" in text_out and "aula" in text_out   # did you mean


def test_bad_opening_hours_and_roles_are_reported_at_their_lines(tmp_path):
    resources = RESOURCES.replace('{mon: "08:00-16:00", tue: "08:00-16:00"}',
                                  '{mon: "16:00-08:00", tue: "8-16", funday: "08:00-09:00"}')
    resources = resources.replace("managed_by: [petugas]", "managed_by: [petugass]")
    text = booking_rules(resources)
    path, out = check(tmp_path, text)
    hours_line = line_of(text, "opening_hours:")
    assert f"{path}:{hours_line}" in out
    assert "harus berakhir setelah mulai" in out
    assert "08:00-16:00" in out                  # what a span should look like (tue: 8-16)
    assert "funday" in out
    assert f"{path}:{line_of(text, 'managed_by: [petugass]')}" in out and "petugass" in out


def test_capacity_must_be_a_positive_whole_number(tmp_path):
    text = booking_rules(RESOURCES.replace("capacity: 2", "capacity: 0"))
    path, out = check(tmp_path, text)
    assert f"{path}:{line_of(text, 'capacity: 0')}" in out


def test_pick_in_names_states_of_the_workflow(tmp_path):
    text = booking_rules(booking="    booking: {resource: aula, pick_in: [drafx]}\n")
    path, out = check(tmp_path, text)
    assert f"{path}:{line_of(text, 'pick_in: [drafx]')}" in out and "drafx" in out


def test_unit_is_slot_or_day(tmp_path):
    text = booking_rules(booking="    booking: {resource: aula, unit: week}\n")
    path, out = check(tmp_path, text)
    assert f"{path}:{line_of(text, 'unit: week')}" in out and "week" in out


def test_wizard_is_required_optional_or_none(tmp_path):
    text = booking_rules(booking="    booking: {resource: aula, wizard: sometimes}\n")
    path, out = check(tmp_path, text)
    assert f"{path}:{line_of(text, 'wizard: sometimes')}" in out and "sometimes" in out


@pytest.mark.parametrize("booking, expected", [
    ("{resource: aula}", "optional"),                                 # picked in the initial state
    ("{resource: aula, pick_in: [draf, terkirim]}", "optional"),
    ("{resource: aula, pick_in: [terkirim]}", "none"),                # picked only after sending
    ("{resource: aula, pick_in: [terkirim], wizard: required}", "required"),
    ("{resource: aula, wizard: none}", "none"),
])
def test_the_wizard_step_follows_the_booking_declaration(tmp_path, booking, expected):
    from app.commands.booking import wizard_booking

    path = write_rules(tmp_path, booking_rules(booking=f"    booking: {booking}\n"))
    rules, problems = check_rules(path)
    assert problems == [], messages(problems)
    assert wizard_booking(rules, "uji_tera") == expected
