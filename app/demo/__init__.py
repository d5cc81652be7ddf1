"""Demo data: the accounts and applications ``flask demo load`` makes (``data``), and plausible
values for any form the rules define (``autofill``), also used by the workflow tests."""
