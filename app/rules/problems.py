"""Problems found in a rules file, each with its place (file and 1-based line)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

from app.rules.messages import Message, N_, render


class Place(NamedTuple):
    """Where something is written: the file as the user named it, and a 1-based line."""

    file: str
    line: int


@dataclass(frozen=True)
class RulesProblem:
    """One thing wrong with the rules, printed as ``file:line: message``."""

    file: str
    line: int
    message: Message | str

    def __str__(self) -> str:
        return self.text()

    def text(self, locale: str | None = None) -> str:
        """``file:line: message`` with the message in ``locale`` (Indonesian by default)."""
        return f"{self.file}:{self.line}: {render(self.message, locale)}"


class InvalidRulesError(Exception):
    """The rules cannot be used; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[RulesProblem]):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.text()

    def text(self, locale: str | None = None) -> str:
        head = render(N_("aturan tidak valid (%(count)s masalah):", count=len(self.problems)), locale)
        return "\n".join([head, *(f"  {problem.text(locale)}" for problem in self.problems)])


class ProblemSink:
    """Collects problems while the loader goes on checking everything else."""

    def __init__(self) -> None:
        self.problems: list[RulesProblem] = []
        self._seen: set[RulesProblem] = set()

    def add(self, place: Place, message: Message | str) -> None:
        problem = RulesProblem(place.file, place.line, message)
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def sorted(self, file_order: list[str]) -> list[RulesProblem]:
        """Problems ordered by file (in load order), then line; stable otherwise."""
        rank = {name: index for index, name in enumerate(file_order)}
        return sorted(self.problems, key=lambda p: (rank.get(p.file, len(rank)), p.file, p.line))

    def __len__(self) -> int:
        return len(self.problems)
