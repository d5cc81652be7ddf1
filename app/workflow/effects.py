"""The effects a transition may have: their names, arguments and summaries are the rules format's
(``app.rules.vocabulary``, ``app.rules.format.EFFECT_ARGS``), re-exported here for the engine.

The engine does not perform effects: it returns them in its Decision, in order, with form values
resolved; the command layer performs them in the same transaction (or queues them in the outbox;
``app.commands.application.effects.PERFORMERS``). In the rules an effect is a one-key mapping
``{name: args}``.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.rules.vocabulary import (  # noqa: F401 (re-exported)
    EFFECT_NAMES,
    EFFECT_SUMMARIES,
    NOTIFY_RECIPIENT_PATTERN,
    PAYMENT_DECISIONS,
    effect_name_and_args,
)


@dataclass(frozen=True)
class EffectSpec:
    name: str
    summary: str


EFFECTS: dict[str, EffectSpec] = {name: EffectSpec(name, summary) for name, summary in EFFECT_SUMMARIES.items()}
