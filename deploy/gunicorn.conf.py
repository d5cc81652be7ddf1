"""Gunicorn settings for SatuPintu's web processes: `gunicorn -c deploy/gunicorn.conf.py run:app`.

Used by the systemd unit, the Docker image and .ci/scaleout alike; every value can be overridden
from the environment. Timeouts sit below nginx's (deploy/nginx/satupintu.conf) so that gunicorn,
not nginx, ends a stuck request.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "90"))            # signing + a large upload
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# recycle workers now and then: a slow leak in a dependency never grows without bound
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# the app is built in each worker, not once before forking: no database connection is shared
preload_app = False
# X-Forwarded-* is the app's business (PROXY_FIX_* settings, app/security/proxy.py), not gunicorn's
secure_scheme_headers = {}
forwarded_allow_ips = "127.0.0.1"
# logs to stdout/stderr: journald (systemd) or `docker compose logs` keep them
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# heartbeat files in memory, not on a slow or read-only disk (containers)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "satupintu-web"
