"""gunicorn settings for the registry application (the deploy role runs
`gunicorn -c gunicorn.conf.py regbank_app.wsgi:application` from this folder).

Requests are logged by the application itself (one JSON line each); gunicorn's own
messages use the same JSON format.
"""

import os

bind = os.environ.get("REGBANK_BIND", "127.0.0.1:8000")  # or unix:/run/regbank/gunicorn.sock
workers = int(os.environ.get("REGBANK_WORKERS", "3"))
threads = int(os.environ.get("REGBANK_THREADS", "1"))
timeout = int(os.environ.get("REGBANK_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "regbank_app.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
