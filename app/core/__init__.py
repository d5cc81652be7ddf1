"""What every layer may import: typed errors (``errors``), the database dialect helpers
(``database``) and the one place times, dates, numbers, money and phones are written
(``formatting``). Nothing here imports another part of ``app``."""
