"""Document fixtures: the seed offices (shared with tests/workflows) and the outbox helpers."""
from tests.outbox.conftest import delivery, gateway, smtp  # noqa: F401  (fixtures)
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: F401  (fixtures)
