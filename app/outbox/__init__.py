"""The outbox: side effects written with their transition, performed after commit.

- ``channels``: a registry of delivery channels keyed by name (email, inbox, whatsapp, pdf);
- ``worker``: claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), performs them with
  retries and backoff, at most once per row, and ticks the SLA clock;
- ``rq``: the same jobs on RQ workers when ``REDIS_URL`` is set.
"""
