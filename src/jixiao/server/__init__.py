"""The Django project that serves the store and its API (and, later, the web pages).

Django stays out of ``core/``, ``intake/``, ``batch/`` and ``reports/``: this package and
``jixiao.store`` import them, never the reverse. Programs (the CLI, tests, benchmarks) call
:func:`setup` before touching a model; the database and the data folder are chosen there.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA = "jixiao-data"


def setup(database_url: str | None = None, data_dir: str | Path | None = None) -> None:
    """Configure Django for this process: ``database_url`` (PostgreSQL, or any dj-database-url URL)
    or else SQLite under ``data_dir`` (default ``./jixiao-data``, or ``JIXIAO_DATA``).

    Explicit arguments win over the environment (``JIXIAO_DATABASE_URL``, ``JIXIAO_DATA``)."""
    if data_dir is not None:
        os.environ["JIXIAO_DATA"] = str(Path(data_dir).resolve())
    if database_url:
        os.environ["JIXIAO_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.server.settings")
    import django
    from django.conf import settings

    if settings.configured and getattr(settings, "_JIXIAO_READY", False):
        return
    django.setup()
    settings._JIXIAO_READY = True
