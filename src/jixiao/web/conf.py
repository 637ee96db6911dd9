"""What the web pages add to the server's Django settings, in one call at the end of settings.py.

The server package owns the settings; the pages need a few more things (their app, static files
through WhiteNoise, login throttling by django-axes, strict cookies). Keeping them here means the
server's settings change by one line, and the web's needs are read in one place.
"""

from __future__ import annotations

import os

from jixiao.web import timing


def _add(seq, item, after=None):
    seq = list(seq)
    if item in seq:
        return seq
    if after is not None and after in seq:
        seq.insert(seq.index(after) + 1, item)
    else:
        seq.append(item)
    return seq


def extend(settings: dict) -> None:
    """Add the web app's settings to a settings module's globals()."""
    apps = list(settings.get("INSTALLED_APPS", []))
    # The web app's templates come before the admin's, so its registration pages can be styled.
    for app in ("jixiao.web", "axes"):
        apps = _add(apps, app)
    settings["INSTALLED_APPS"] = apps

    mw = list(settings.get("MIDDLEWARE", []))
    mw = _add(mw, "whitenoise.middleware.WhiteNoiseMiddleware", after="django.middleware.security.SecurityMiddleware")
    # django-axes must come last: it reads the outcome of authentication.
    mw = [m for m in mw if m != "axes.middleware.AxesMiddleware"] + ["axes.middleware.AxesMiddleware"]
    if timing.enabled():  # outermost, so it times every other middleware too
        mw = ["jixiao.web.timing.ServerTiming", *[m for m in mw if m != "jixiao.web.timing.ServerTiming"]]
    settings["MIDDLEWARE"] = mw

    backends = list(settings.get("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"]))
    if "axes.backends.AxesStandaloneBackend" not in backends:
        backends.insert(0, "axes.backends.AxesStandaloneBackend")
    settings["AUTHENTICATION_BACKENDS"] = backends

    # Five wrong passwords for one user name from one address lock it for 15 minutes.
    settings.setdefault("AXES_FAILURE_LIMIT", 5)
    settings.setdefault("AXES_COOLOFF_TIME", 0.25)
    settings.setdefault("AXES_LOCKOUT_PARAMETERS", [["username", "ip_address"]])
    settings.setdefault("AXES_LOCKOUT_TEMPLATE", "web/locked.html")
    settings.setdefault("AXES_RESET_ON_SUCCESS", True)

    for t in settings.get("TEMPLATES", []):
        procs = t.setdefault("OPTIONS", {}).setdefault("context_processors", [])
        if "jixiao.web.access.context" not in procs:
            procs.append("jixiao.web.access.context")

    settings.setdefault("STATIC_URL", "/static/")
    # Served straight from the package's static folders: an installed package may be read-only,
    # so there is no collectstatic step to forget.
    settings.setdefault("WHITENOISE_USE_FINDERS", True)
    settings["STATIC_ROOT"] = None  # nothing is collected: WhiteNoise would warn about an empty folder
    settings.setdefault("WHITENOISE_AUTOREFRESH", False)

    settings.setdefault("LOGIN_URL", "web:login")
    settings.setdefault("LOGIN_REDIRECT_URL", "web:home")
    settings.setdefault("LOGOUT_REDIRECT_URL", "web:login")
    settings["SESSION_COOKIE_HTTPONLY"] = True
    settings.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    settings.setdefault("CSRF_COOKIE_SAMESITE", "Lax")
    settings.setdefault("SESSION_COOKIE_AGE", 8 * 3600)
    settings.setdefault("X_FRAME_OPTIONS", "DENY")
    settings.setdefault("SECURE_CONTENT_TYPE_NOSNIFF", True)
    settings.setdefault("SECURE_REFERRER_POLICY", "same-origin")
    settings.setdefault("LANGUAGE_CODE", "zh-hans")
    # Uploads: a workbook or an evidence file, never larger than this in one request.
    settings.setdefault("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
    settings.setdefault("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
    if not settings.get("AUTH_PASSWORD_VALIDATORS"):
        settings["AUTH_PASSWORD_VALIDATORS"] = [
            {"NAME": f"django.contrib.auth.password_validation.{n}"}
            for n in ("UserAttributeSimilarityValidator", "MinimumLengthValidator",
                      "CommonPasswordValidator", "NumericPasswordValidator")
        ]
    if os.environ.get("JIXIAO_HTTPS") == "1":
        # Behind an HTTPS reverse proxy (the production setting `manage.py check --deploy` is clean under):
        # cookies only over HTTPS, HSTS, and plain HTTP redirected.
        settings["SECURE_SSL_REDIRECT"] = True
        settings["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
        settings["SESSION_COOKIE_SECURE"] = True
        settings["CSRF_COOKIE_SECURE"] = True
        settings["SECURE_HSTS_SECONDS"] = 31536000
        settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] = True
        settings["SECURE_HSTS_PRELOAD"] = True
