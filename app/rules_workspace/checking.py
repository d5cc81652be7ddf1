"""Check a workspace's draft as part of the whole rules set: the live rules set is copied to a
temporary tree, the draft laid over it, and ``check_rules`` reads that tree — so the messages are
exactly the loader's, with paths relative to the rules folder (``rules/kaltim.yaml:12``)."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from app.core.errors import N_, translate
from app.rules.loader import check_rules
from app.rules_workspace.files import (COPIED_DIRS, Workspace, defined_agencies, entry_name, read_regular,
                                       write_atomically)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    message: str

    @property
    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class CheckResult:
    rules: object | None
    findings: list[Finding] = field(default_factory=list)
    root: Path | None = None   # the temporary tree (exists only inside ``checked``)

    @property
    def valid(self) -> bool:
        return self.rules is not None and not self.findings

    def for_file(self, relative: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.file == relative]


def _copy_live(live: Path, tree: Path) -> None:
    """The live rules set, regular files only (a symlink in the live folder is not followed)."""
    entry = live / entry_name()
    if entry.is_file() and not entry.is_symlink():
        shutil.copyfile(entry, tree / entry_name())
    for folder in COPIED_DIRS:
        source = live / folder
        if not source.is_dir() or source.is_symlink():
            continue
        for directory, subdirs, names in os.walk(source):
            subdirs[:] = [d for d in subdirs if not (Path(directory) / d).is_symlink()]
            target_dir = tree / Path(directory).relative_to(live)
            target_dir.mkdir(parents=True, exist_ok=True)
            for name in names:
                path = Path(directory) / name
                if path.is_file() and not path.is_symlink():
                    shutil.copyfile(path, target_dir / name)


def _finding(problem, tree: Path, locale: str) -> Finding:
    text = problem.text(locale)
    prefix = f"{problem.file}:{problem.line}: "
    message = text[len(prefix):] if text.startswith(prefix) else text
    file = problem.file
    absolute = Path(file) if os.path.isabs(file) else None
    if absolute is not None and (absolute == tree or tree in absolute.parents):
        file = absolute.relative_to(tree).as_posix()
    return Finding(file, problem.line, message.replace(str(tree) + os.sep, "").replace(str(tree), ""))


@contextmanager
def checked(workspace: Workspace, locale: str = "id") -> Iterator[CheckResult]:
    """The check of the live rules with ``workspace``'s draft in place; the temporary tree (and so
    the template files the checked rules point at) lives until the block ends."""
    tree = Path(tempfile.mkdtemp(prefix="satupintu-rules-"))
    try:
        _copy_live(workspace.live, tree)
        draft = workspace.draft_contents()
        for relative, content in draft.items():
            write_atomically(tree, relative, content)
        rules, problems = check_rules(str(tree / entry_name()))
        findings = [_finding(problem, tree, locale) for problem in problems]
        if workspace.agency_key is not None:
            findings += _scope_findings(workspace, draft)
        yield CheckResult(rules if not findings else None, findings, tree)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def _scope_findings(workspace: Workspace, draft: dict[str, bytes]) -> list[Finding]:
    """An agency's rules files define that agency and no other."""
    findings = []
    for relative, content in draft.items():
        if not relative.endswith((".yaml", ".yml")):
            continue
        agencies = defined_agencies(content)
        if agencies != {workspace.agency_key}:
            findings.append(Finding(relative, 1, translate(
                N_("berkas instansi ini harus mendefinisikan instansi '%(agency)s' saja (tertulis: %(found)s)"),
                agency=workspace.agency_key, found=", ".join(sorted(agencies)) or "-")))
    return findings


def live_text(workspace: Workspace, relative: str) -> str | None:
    content = read_regular(workspace.live, relative)
    return None if content is None else content.decode("utf-8", errors="replace")
