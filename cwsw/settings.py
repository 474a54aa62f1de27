"""Settings for the CWSW register, read from the environment.

Every setting has a default that makes `make run` work on a laptop with nothing
set: SQLite, a local Redis, e-mail written to files. Production sets
DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=off.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# In production (DEBUG=off) there is no default: the app refuses to start without a key.
SECRET_KEY = (
    env.str("SECRET_KEY", default="django-insecure-dev-only-key-never-used-with-debug-off-0123456789")
    if DEBUG
    else env.str("SECRET_KEY")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "cwsw",
    "pupils",
    "pep",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "cwsw.middleware.IdleSessionMiddleware",
    "cwsw.middleware.TwoFactorMiddleware",
    "cwsw.middleware.NoStoreMiddleware",
    "cwsw.accesslog.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cwsw.urls"
WSGI_APPLICATION = "cwsw.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cwsw.context_processors.permissions",
            ],
            "builtins": ["cwsw.templatetags.plain"],  # |day: "3 Nov 2025", the one date format
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Every change goes through a service that is one transaction (cwsw/tests/test_structure.py checks
# it), so a request is not wrapped in one: pages that only read take no lock and wait for none.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock rather than failing while the worker writes, and take the write
    # lock at the start of each transaction so read-then-write checks (PP+ balances)
    # cannot interleave.
    # Write-ahead logging: pages reading never wait for the worker writing, nor it for them; a
    # commit (every page that shows a pupil writes its access-log row) appends to the log
    # instead of syncing the whole file, so it costs a fraction of a millisecond. With
    # synchronous=NORMAL a power cut can lose the last commits but never corrupts the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed logins first; then Django checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from npm (package.json); no CDN is ever used.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# E-mail: files in var/mail by default, SMTP in production via EMAIL_URL.
if "EMAIL_URL" in env:
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cwsw-register@school.invalid")

# Celery: a local Redis by default.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies is put back on the queue, not lost (acknowledged only when done).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing to a broker that is down fails quickly instead of hanging a page.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# The result backend (Redis too) otherwise retries for 20 seconds before queueing gives up.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5},
}
TASK_RETRY_BACKOFF = env.int("TASK_RETRY_BACKOFF", default=30)
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=3)
CELERY_BEAT_SCHEDULE = {
    "daily-reminder-digests": {
        "task": "reporting.tasks.send_reminder_digests",
        "schedule": crontab(hour=env.int("DIGEST_HOUR", default=7), minute=0),
    },
    # A build (report, transfer pack) whose worker stopped is marked failed within a minute of the
    # 10 minutes it is given, so it can be asked for again; pages only read.
    # Every pupil's derived facts worked out again each night: the stored PEP slots reach into a new
    # academic year as it comes (everything else that changes with the date alone is a comparison of dates).
    "rebuild-derived": {
        "task": "pupils.tasks.rebuild_derived",
        "schedule": crontab(hour=1, minute=5),
    },
    "mark-stalled-builds": {
        "task": "cwsw.tasks.mark_stalled_builds",
        "schedule": 60.0,
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions end when the browser closes, and after SESSION_IDLE_MINUTES without a request:
# a request saves the session when a minute has passed since it was last saved, so its expiry
# moves on while the user is working without a write on every page (IdleSessionMiddleware).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_REFRESH_SECONDS = 60
# A warning offering to stay signed in shows this long before a session would end (at most half of it).
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for a username from one
# address, that username cannot log in from that address until an administrator unlocks it
# or LOCKOUT_MINUTES pass. Counted per username and address together, so a stranger
# elsewhere cannot lock a member of staff out of the school's own network.
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind PROXY_COUNT reverse proxies the client's address is read from X-Forwarded-For, the one
# way lockout, the contributor links and the access log all use (cwsw/clientip.py).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "cwsw.clientip.client_address"
# axes.W006 warns that user-agent or cookie lockouts can be dodged; ours is by username
# and address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor login (django-otp): the name authenticator apps show beside the code.
OTP_TOTP_ISSUER = env.str("OTP_ISSUER", default="CWSW register")
# After each wrong code, wait 2^(n-1) seconds before the next is checked.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Content security policy (django-csp), in development as in production, so the pages are
# known to work under it: nothing inline, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The register shows this many pupils a page.
REGISTER_PAGE_SIZE = env.int("REGISTER_PAGE_SIZE", default=25)
GRID_PAGE_SIZE = env.int("GRID_PAGE_SIZE", default=25)
ACCESS_LOG_PAGE_SIZE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Successful logins are in axes' own log table; failures and lockouts still show.
        "axes": {"level": "WARNING"},
    },
}

# Counts from 1 to this number are shown to governors as "c".
SMALL_NUMBER_THRESHOLD = env.int("SMALL_NUMBER_THRESHOLD", default=5)
# The school's full-time week in hours: what a part-time timetable or alternative provision is a share of.
SCHOOL_WEEK_HOURS = env.float("SCHOOL_WEEK_HOURS", default=32.5)

# Links in e-mails start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
