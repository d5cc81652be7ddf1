"""``python -m app.rules.check [PATH]``: print every problem of the rules, or a one-line summary.

Exit status 1 when the rules are invalid, 0 when they are fine. ``run_check`` is what
``flask rules check`` calls.
"""
from __future__ import annotations

import sys
from typing import Sequence, TextIO

from app.rules.loader import DEFAULT_CHANNELS, check_rules
from app.rules.messages import N_, cli_locale, render

DEFAULT_RULES_PATH = "workflow_rules.yaml"


def run_check(path: str = DEFAULT_RULES_PATH, out: TextIO | None = None, *, known_channels: Sequence[str] = DEFAULT_CHANNELS,
              locale: str | None = None) -> int:
    """Print the problems (``file:line: message``) or a summary in ``locale`` (Indonesian by default)."""
    out = out if out is not None else sys.stdout
    rules, problems = check_rules(path, known_channels=known_channels)
    if rules is None:
        for problem in problems:
            print(problem.text(locale), file=out)
        print(render(N_("%(count)s masalah ditemukan di %(path)s", count=len(problems), path=path), locale), file=out)
        return 1
    summary = rules.summary()
    print(render(N_(
        "OK: %(agencies)s instansi, %(services)s layanan, %(workflows)s alur kerja, %(states)s status,"
        " %(transitions)s transisi (sha256 %(sha)s)", sha=rules.sha256[:12], **summary), locale), file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m app.rules.check [PATH]   (default: workflow_rules.yaml)", file=sys.stderr)
        return 2
    return run_check(args[0] if args else DEFAULT_RULES_PATH, locale=cli_locale())


if __name__ == "__main__":
    sys.exit(main())
