"""What every command that changes data shares: one database transaction per run.

``run()`` calls the command's ``_run()``; when it returns, the transaction is committed, when it
raises (a validation error, a conflict, anything), it is rolled back and the files the command had
already stored are removed, so nothing is stored half-way.
"""
from __future__ import annotations

from typing import Generic, TypeVar

from app.extensions import db

Result = TypeVar("Result")


class Command(Generic[Result]):
    """Subclasses implement ``_run()``; a command that stores files sets ``self.store`` (a FileStore)."""

    store = None

    def _run(self) -> Result:
        raise NotImplementedError

    def run(self) -> Result:
        try:
            result = self._run()
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            if self.store is not None:
                self.store.discard_created()
            raise
