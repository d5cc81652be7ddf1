"""What the engine and the guards look at: the facts known about an application, a snapshot of it,
and a guard's view of that snapshot with its service's rules. Plain data; both ``engine`` and
``guards`` import it, so neither needs the other to name these types."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from app.workflow.fields import label_text, same_value


@dataclass(frozen=True)
class Facts:
    """What the caller knows about the application beyond its data (read from the database)."""

    documents: frozenset[str] = frozenset()  # keys of the required documents uploaded
    payment_status: str | None = None  # unpaid | submitted | valid | suspended | invalid | None
    payment_has_proof: bool = False
    survey_done: bool = False
    slot_chosen: bool = False
    offered_slot_ids: frozenset[int] = frozenset()
    has_assignee: bool = False
    cart_lines: int = 0
    results: int = 0  # attached documents of kind "result"
    work_items: tuple[str, ...] = ()  # the status of each work row (see app/workflow/work_items.py)


@dataclass(frozen=True)
class ApplicationSnapshot:
    service_key: str
    state: str
    data: Mapping[str, Any] = field(default_factory=dict)
    facts: Facts = field(default_factory=Facts)


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the service's rules and a snapshot of the application."""

    service: Mapping[str, Any]
    snapshot: ApplicationSnapshot

    @property
    def data(self) -> Mapping[str, Any]:
        return self.snapshot.data

    @property
    def facts(self):
        return self.snapshot.facts

    def field_label(self, key: str) -> str:
        for spec in self.service.get("fields") or ():
            if spec.get("key") == key:
                return label_text(spec.get("label"))
        return key

    def value_label(self, key: str, value: Any) -> str:
        for spec in self.service.get("fields") or ():
            if spec.get("key") == key:
                for option in spec.get("options") or ():
                    if same_value(option.get("value"), value):
                        return label_text(option.get("label"))
        return label_text(value)
