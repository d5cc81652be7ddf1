"""The rules the running app uses: the validated file, and every stored version's engine.

Applications keep the rules version they started with, so engines are looked up by version id.
"""
from __future__ import annotations

from pathlib import Path
from threading import Lock

from flask import current_app

from app.extensions import db
from app.rules.loader import Rules, load_rules
from app.workflow.engine import WorkflowEngine
from models import RulesVersion


class RulesState:
    def __init__(self, file_rules: Rules, path: str | Path):
        self.file_rules = file_rules
        self.path = Path(path)
        self._rules: dict[int, Rules] = {}
        self._engines: dict[int, WorkflowEngine] = {}
        self._lock = Lock()

    @classmethod
    def from_file(cls, path: str | Path, *, known_channels=None) -> "RulesState":
        """Raises ``InvalidRulesError`` listing every problem: the app does not start on bad rules."""
        if known_channels is None:
            return cls(load_rules(path), path)
        return cls(load_rules(path, known_channels=known_channels), path)

    def rules_for(self, version_id: int) -> Rules:
        with self._lock:
            if version_id not in self._rules:
                version = db.session.get(RulesVersion, version_id)
                if version is None:
                    raise LookupError(f"rules version {version_id} does not exist")
                self._rules[version_id] = Rules.from_dict(version.content,
                                                          base_dir=self.file_rules.base_dir)
            return self._rules[version_id]

    def engine_for(self, version_id: int) -> WorkflowEngine:
        rules = self.rules_for(version_id)
        with self._lock:
            if version_id not in self._engines:
                self._engines[version_id] = WorkflowEngine(rules)
            return self._engines[version_id]

    def forget(self) -> None:
        with self._lock:
            self._rules.clear()
            self._engines.clear()


def rules_state() -> RulesState:
    return current_app.extensions["satupintu.rules"]


def rules_for_version(version_id: int) -> Rules:
    """The running app's Rules of a stored version: what ``create_app`` gives the models
    (``models.base.install_rules_lookup``), so they never import this module."""
    return rules_state().rules_for(version_id)
