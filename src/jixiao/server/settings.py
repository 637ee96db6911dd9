"""Django settings for jixiao. Everything a deployment changes comes from the environment:

- ``JIXIAO_DATABASE_URL``: a database URL (``postgres://user:pw@host:5432/name``); default SQLite
  at ``$JIXIAO_DATA/jixiao.sqlite3``.
- ``JIXIAO_DATA``: the data folder (SQLite file, attachments by hash, frozen editions);
  default ``./jixiao-data``.
- ``JIXIAO_SECRET_KEY``: required when ``JIXIAO_DEBUG`` is off and the server is public; a
  per-data-folder key is generated otherwise (see :func:`_secret_key`).
- ``JIXIAO_ALLOWED_HOSTS``: comma-separated; default loopback only.
- ``JIXIAO_MAX_UPLOAD_MB``: the attachment and upload size limit (default 20).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

DATA_DIR = Path(os.environ.get("JIXIAO_DATA") or "jixiao-data").resolve()


def _secret_key() -> str:
    """The configured key, or one kept in the data folder so sessions survive a restart."""
    key = os.environ.get("JIXIAO_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        pass
    key = secrets.token_urlsafe(50)
    if DATA_DIR.is_dir():  # never create the folder just by importing settings (tests, one-off commands)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()  # another process wrote it first
        except OSError:
            pass  # a read-only place: a fresh key for this process
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("JIXIAO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("JIXIAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
                 if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "jixiao.store",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "jixiao.store.middleware.JsonErrors",
]

ROOT_URLCONF = "jixiao.server.urls"
WSGI_APPLICATION = "jixiao.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("JIXIAO_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'jixiao.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers go on while one writer commits; a busy writer waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# The store's own settings.
JIXIAO_DATA_DIR = DATA_DIR
JIXIAO_MAX_UPLOAD = int(os.environ.get("JIXIAO_MAX_UPLOAD_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = JIXIAO_MAX_UPLOAD + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}

# The web pages' additions (their app, WhiteNoise, django-axes, cookies): see jixiao/web/conf.py.
from jixiao.web.conf import extend as _web  # noqa: E402

_web(globals())
