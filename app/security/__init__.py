"""Web security (docs/security.md): the security manager and the roles' permissions, revocable
sessions and tokens, one auth query per request, login limits, the security log, who may see
which application, and the request-level guards (same-site redirects, ``no-store``, NUL refusal,
trusted proxies)."""
