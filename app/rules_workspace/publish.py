"""Activate a workspace's draft: check it, store and activate the rules version through
``ActivateRulesCommand`` (which refuses rules that would strand live applications), then replace
the live files, and commit. Files are replaced one by one by rename after the version is flushed;
if a replacement or the commit fails, the files already replaced get their old bytes back and the
transaction is rolled back — the live files end as they were, or as the draft, never half-way."""
from __future__ import annotations

import difflib
import fcntl
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.commands.rules.activate import ActivateRulesCommand
from app.core.errors import N_
from app.extensions import db
from app.rules_workspace.checking import CheckResult, checked
from app.rules_workspace.files import Workspace, WorkspaceError, read_regular, write_atomically

_THREAD_LOCK = threading.Lock()


@dataclass
class Activation:
    check: CheckResult
    version: object | None = None
    files: tuple[str, ...] = ()


@contextmanager
def _activation_lock():
    """One activation at a time, across threads and processes sharing the workspace folder."""
    folder = Path(current_app.config["RULES_WORKSPACE_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK, open(folder / ".activate.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def replace_live_files(live: Path, contents: dict[str, bytes]) -> dict[str, bytes | None]:
    """Write every file; on any failure put back what was replaced and raise. Returns the old bytes
    (None: the file did not exist) so the caller can undo after a failed commit."""
    previous: dict[str, bytes | None] = {}
    try:
        for relative, content in contents.items():
            previous[relative] = read_regular(live, relative)
            write_atomically(live, relative, content)
    except BaseException:
        restore_live_files(live, previous)
        raise
    return previous


def restore_live_files(live: Path, previous: dict[str, bytes | None]) -> None:
    for relative, content in previous.items():
        if content is None:
            (live / relative).unlink(missing_ok=True)
        else:
            write_atomically(live, relative, content)


def activate_workspace(workspace: Workspace, *, actor_id: int | None, locale: str = "id") -> Activation:
    """The activation, or the failed check (``activation.version`` None). Raises RulesStrandError
    (nothing changed) when the rules would strand live applications."""
    with _activation_lock():
        contents = workspace.draft_contents()
        if not contents:
            raise WorkspaceError(N_("Draf tidak berisi perubahan: tidak ada yang diaktifkan."))
        stale = workspace.stale_files()
        if stale:
            raise WorkspaceError(N_("Berkas aktif %(paths)s berubah sejak drafnya dibuat (versi lain telah diaktifkan). "
                                    "Buang draf berkas itu, lalu ulangi perubahannya pada berkas terbaru."),
                                 paths=", ".join(stale), status=409)
        with checked(workspace, locale) as result:
            if not result.valid:
                return Activation(result)
            files = tuple(sorted(contents))
            source = f"ruang-aturan:{workspace.key} " + ", ".join(files)
            try:
                version = ActivateRulesCommand(result.rules, source_name=source[:255], actor_id=actor_id).run()
                previous = replace_live_files(workspace.live, contents)
            except BaseException:
                db.session.rollback()
                raise
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                restore_live_files(workspace.live, previous)
                raise
        workspace.discard()
        archive_sources(version.id, previous, contents)
        _reload_file_rules()
        return Activation(result, version, files)


# ---------------------------------------------------------------------- the files each version changed
def _archive(version_id: int) -> Path:
    return Path(current_app.config["RULES_WORKSPACE_FOLDER"]) / "_versions" / str(int(version_id))


def archive_sources(version_id: int, previous: dict[str, bytes | None], contents: dict[str, bytes]) -> None:
    """Keep the files an activation replaced, before and after, for the version's source diff."""
    root = _archive(version_id)
    for relative, content in contents.items():
        write_atomically(root / "after", relative, content)
        if previous.get(relative) is not None:
            write_atomically(root / "before", relative, previous[relative])


def source_diffs(version_id: int, visible: set[str] | None) -> list[tuple[str, list[str]]]:
    """(path, unified diff lines) of each file the activation of ``version_id`` replaced, among
    ``visible`` (None: all); empty when the version was not activated from a workspace."""
    root = _archive(version_id)
    after_root = root / "after"
    if not after_root.is_dir():
        return []
    diffs = []
    for path in sorted(p for p in after_root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(after_root).as_posix()
        if visible is not None and relative not in visible:
            continue
        before = read_regular(root / "before", relative) or b""
        after = read_regular(after_root, relative) or b""
        lines = difflib.unified_diff(before.decode("utf-8", "replace").splitlines(),
                                     after.decode("utf-8", "replace").splitlines(),
                                     f"a/{relative}", f"b/{relative}", lineterm="", n=3)
        diffs.append((relative, list(lines)))
    return diffs


def _reload_file_rules() -> None:
    """This process's view of the rules files follows the files just written (versions are read
    from the database by every process; the file rules are the fallback and the template folder)."""
    from app.rules.loader import check_rules
    from app.commands.rules.state import rules_state

    state = rules_state()
    rules, problems = check_rules(str(state.path))
    if rules is not None and not problems:
        state.file_rules = rules
