"""gunicorn settings for Conferences: ``gunicorn -c deploy/gunicorn.conf.py``.

One of these runs on each application host, behind nginx (deploy/nginx-site.conf). The
environment chooses the address and the number of processes; everything the processes
must share lives in PostgreSQL and Redis (README, "Deploying").
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Requests in flight finish during a graceful restart (HUP) or stop (TERM).
graceful_timeout = 30
timeout = 60
keepalive = 5
# Replace workers now and then, staggered, so no slow leak grows for ever.
max_requests = 20_000
max_requests_jitter = 2_000
# nginx on the same host sets X-Forwarded-Proto; trust it from there only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}i)s'
errorlog = "-"
if os.environ.get("LOG_FORMAT", "").lower() == "json":
    # One JSON object per line on standard error, gunicorn's own lines included. The app
    # writes one line per request it handles (with nginx's request id); polls of calendar
    # feeds answered from memory are in nginx's access log only.
    accesslog = None
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "conferences.logs.JsonFormatter"}},
        # The app replaces the handler of this name with one that adds the request id.
        "handlers": {
            "conferences-json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["conferences-json"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "propagate": True}},
    }
# The control socket's default path is one per user: two instances on one host would share
# it. Restarts use signals (HUP: new workers, then the old ones finish and stop).
control_socket_disable = True


def on_starting(server) -> None:
    """Before any worker: tell the app how many processes share this host (it refuses a
    per-process rate-limit store in production when there are several), and empty the
    Prometheus multi-process directory of a previous run."""
    os.environ["CONFERENCES_WORKERS"] = str(server.cfg.workers)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)


def child_exit(server, worker) -> None:
    """A worker ended: its live gauges no longer count (prometheus_client multi-process)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """The app is loaded: move what loading made (modules, the app, templates) out of the
    garbage collector's sight, so the full collections a large page's many objects set off
    do not walk all of it again each time (pages of thousands of rows spent a third of
    their time there)."""
    gc.freeze()
