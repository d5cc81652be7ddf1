"""``python -m app.rules.check [PATH]``: print every problem of the rules, or a one-line summary.

Exit status 1 when the rules are invalid, 0 when they are fine. ``run_check`` is what
``flask rules check`` calls.
"""
from __future__ import annotations

import sys
from typing import Sequence, TextIO

from app.rules.loader import DEFAULT_CHANNELS, check_rules

DEFAULT_RULES_PATH = "workflow_rules.yaml"


def run_check(path: str = DEFAULT_RULES_PATH, out: TextIO | None = None, *, known_channels: Sequence[str] = DEFAULT_CHANNELS) -> int:
    out = out if out is not None else sys.stdout
    rules, problems = check_rules(path, known_channels=known_channels)
    if rules is None:
        for problem in problems:
            print(problem, file=out)
        count = len(problems)
        print(f"{count} problem{'s' if count != 1 else ''} found in {path}", file=out)
        return 1
    summary = rules.summary()
    print(
        f"OK: {summary['agencies']} agencies, {summary['services']} services, {summary['workflows']} workflows,"
        f" {summary['states']} states, {summary['transitions']} transitions (sha256 {rules.sha256[:12]})",
        file=out,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m app.rules.check [PATH]   (default: workflow_rules.yaml)", file=sys.stderr)
        return 2
    return run_check(args[0] if args else DEFAULT_RULES_PATH)


if __name__ == "__main__":
    sys.exit(main())
