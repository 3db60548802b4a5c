"""Django settings for Kefu, driven by the environment (see docs/operations.md)."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kefu.conf import DEFAULT_BIND, ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(env_str("KEFU_DATA_DIR", str(PROJECT_DIR / "var")) or "var")

PRODUCTION = env_bool("KEFU_PRODUCTION", False)
DEBUG = env_bool("KEFU_DEBUG", False)

SECRET_KEY = env_str("KEFU_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigError("KEFU_SECRET_KEY (or KEFU_SECRET_KEY_FILE) must be set when KEFU_PRODUCTION=true")
    SECRET_KEY = "kefu-development-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = env_list("KEFU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KEFU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # /api/v1/docs serves Swagger UI from its static files, not from a CDN
    "kefu.audit",
    "kefu.live",
    "kefu.organization",
    "kefu.customers",
    "kefu.hotline",  # the company-wide hotline: customers on a hotline agent's line (docs/hotline.md)
    "kefu.commitments",
    "kefu.workorders",
    "kefu.channels",
    "kefu.media",  # images, files and voice messages from the channels into attachments (docs/media.md)
    "kefu.standards",
    "kefu.complaints",
    "kefu.followup",
    "kefu.surveys",
    "kefu.supervision",
    "kefu.inspections",
    "kefu.incidents",
    "kefu.fieldservice",  # appointments, the technician's phone view, safety-check campaigns (docs/field-service.md)
    "kefu.reports",
    "kefu.knowledge",
    "kefu.macros",  # macros, bulk actions, saved queue views (docs/macros.md)
    "kefu.notifications",
    "kefu.automation",  # triggers and signed outbound webhooks (docs/webhooks.md)
    "kefu.privacy",
    "kefu.fields",
    "kefu.rights",  # after the features: its transition listener runs after theirs (docs/privacy.md)
    "kefu.console",
    "kefu.portal",
    "kefu.jobs",
    "kefu.retention",
    "kefu.sso",
]

MIDDLEWARE = [
    # outermost: a temporary database failure is a 503 (a read is run once more on a fresh connection)
    "kefu.middleware.TemporaryFailureMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kefu.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # /api/: a too long query string is a 414, a too large body a 413, with the API's error JSON (docs/api.md)
    "kefu.middleware.ApiLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kefu.urls"
CSRF_FAILURE_VIEW = "kefu.console.auth_views.csrf_failure"
WSGI_APPLICATION = "kefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.context.kefu_context",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'kefu.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db) or _default_db
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("KEFU_DB_CONN_MAX_AGE", 60))
except Exception as exc:  # dj_database_url raises several kinds
    raise ConfigError(f"DATABASE_URL={DATABASE_URL!r} is not a database URL: {exc}") from exc
# SQLite: how long a writer waits for another writer's lock before the request fails with a temporary
# error (503, the mail stays for the next poll); docs/operations.md, "Temporary failures".
KEFU_SQLITE_BUSY_TIMEOUT_MS = env_int("KEFU_SQLITE_BUSY_TIMEOUT_MS", 15000)
if KEFU_SQLITE_BUSY_TIMEOUT_MS < 0:
    raise ConfigError(f"KEFU_SQLITE_BUSY_TIMEOUT_MS={KEFU_SQLITE_BUSY_TIMEOUT_MS} must not be negative")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never wait for the writer; IMMEDIATE: a transaction takes the write lock when it begins
    # (waiting up to busy_timeout), so two writers never deadlock upgrading a read lock
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        f" PRAGMA busy_timeout={KEFU_SQLITE_BUSY_TIMEOUT_MS}; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": KEFU_SQLITE_BUSY_TIMEOUT_MS / 1000,
    }
    _db.setdefault("TEST", {})
    if env_str("KEFU_TEST_SQLITE_FILE"):
        _db["TEST"]["NAME"] = env_str("KEFU_TEST_SQLITE_FILE")
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    # a persistent connection is checked before its first use in each request: after a restart of the server
    # a dead one is replaced instead of failing the request (kefu.middleware also reads once more)
    _db["CONN_HEALTH_CHECKS"] = _db.get("CONN_MAX_AGE") != 0  # None: persistent for good
if _db["ENGINE"].startswith("django.db.backends.postgresql") and env_bool("KEFU_PG_JIT_OFF", True):
    # PostgreSQL's JIT compiles any query the planner costs high — 15-20 ms spent compiling the counts of
    # the order queue at 1,000,000 orders that then run in 20 ms (bench/RESULTS.md). Kefu's queries are
    # short; a URL that already sets ``options`` keeps them.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if _db["ENGINE"].startswith("django.db.backends.postgresql") and env_bool("KEFU_DB_POOL", False):
    # `kefu serve` runs ASGI: a request's sync code runs on a thread of its own, so a connection kept per
    # thread (CONN_MAX_AGE) would be lost with the thread; a small pool per process is used instead
    # (docs/adr/0006-live-updates.md). ``kefu serve`` sets KEFU_DB_POOL=1 for its processes (for the pages'
    # threaded WSGI workers too: a pooled connection needs no health-check query before each request).
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env_int("KEFU_DB_POOL_SIZE", 12),
        "timeout": 20,
    }
if _db["ENGINE"].startswith("django.db.backends.postgresql") and env_bool(
    "KEFU_DB_TRANSACTION_POOLER", False
):
    # DATABASE_URL points at a pooler in transaction mode (pgbouncer pool_mode=transaction): a server-side
    # cursor (QuerySet.iterator(), the exports) would not survive the end of its transaction there
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
# the hot queries compiled once per process (kefu.lib.prepared) bind their parameters on the server, so the
# connection prepares them and PostgreSQL plans them once; off behind a pooler that cannot keep prepared
# statements (pgbouncer in transaction mode before 1.21, or without max_prepared_statements)
KEFU_DB_PREPARED_STATEMENTS = env_bool(
    "KEFU_DB_PREPARED_STATEMENTS", not env_bool("KEFU_DB_TRANSACTION_POOLER", False)
)
if _db["ENGINE"].startswith("django.db.backends.postgresql") and KEFU_DB_PREPARED_STATEMENTS:
    # psycopg prepares a statement of a server-binding cursor at its first run; Django's cursors bind on
    # the client and are never prepared, so only kefu.lib.prepared's queries are
    _db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 0)
DATABASES: dict[str, Any] = {"default": _db}
# Read replica (docs/operations.md, "Read replica"): reports, exports and search may read from a PostgreSQL
# hot standby of the primary; every other read and every write stays on the primary (kefu.lib.replica).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "") or ""
if DATABASE_REPLICA_URL:
    if not _db["ENGINE"].startswith("django.db.backends.postgresql"):
        raise ConfigError("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL (a streaming replica of it)")
    try:
        _replica_url = dj_database_url.parse(DATABASE_REPLICA_URL)
    except Exception as exc:
        raise ConfigError(
            f"DATABASE_REPLICA_URL={DATABASE_REPLICA_URL!r} is not a database URL: {exc}"
        ) from exc
    if not _replica_url["ENGINE"].startswith("django.db.backends.postgresql"):
        raise ConfigError("DATABASE_REPLICA_URL must be a PostgreSQL URL (postgres://…)")
    # the primary's options (pool, JIT, persistent connections) with the replica's address; in tests the
    # replica shows the primary's test database (it is a copy of the whole server): MIRROR copies its name
    _replica: dict[str, Any] = copy.deepcopy(dict(_db))
    _replica.update({k: _replica_url.get(k) for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")})
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["kefu.lib.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORM_RENDERER = "kefu.lib.forms_renderer.FastSelectRenderer"  # <select> without a template per option

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kefu_cache",
        # Rate-limit counters live here: Django's default of 300 entries would let a burst of distinct keys
        # cull the counters of an ongoing attack. Expired entries are still removed first.
        "OPTIONS": {"MAX_ENTRIES": env_int("KEFU_CACHE_MAX_ENTRIES", 1_000_000)},
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("KEFU_FAST_PASSWORD_HASHER", False):  # test suites only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limit: at most N failed attempts per window per username and per client address.
KEFU_LOGIN_MAX_FAILURES = env_int("KEFU_LOGIN_MAX_FAILURES", 5)
KEFU_LOGIN_WINDOW_SECONDS = env_int("KEFU_LOGIN_WINDOW_SECONDS", 900)

# Single sign-on for staff (docs/sso.md): LDAP / Active Directory and OpenID Connect, each on when its URL is
# set; the group → role/branch mappings are a table in the back office. Local passwords keep working.
KEFU_LDAP_URL = env_str("KEFU_LDAP_URL", "") or ""  # ldap://dc1.example.com, ldaps://…
KEFU_LDAP_BIND_DN = env_str("KEFU_LDAP_BIND_DN", "") or ""  # the read-only service account
KEFU_LDAP_BIND_PASSWORD = env_str("KEFU_LDAP_BIND_PASSWORD", "") or ""
KEFU_LDAP_START_TLS = env_bool("KEFU_LDAP_START_TLS", False)
KEFU_LDAP_CA_FILE = env_str("KEFU_LDAP_CA_FILE", "") or ""
KEFU_LDAP_USER_BASE = env_str("KEFU_LDAP_USER_BASE", "") or ""
KEFU_LDAP_USER_FILTER = env_str("KEFU_LDAP_USER_FILTER", "(uid=%(user)s)") or ""
KEFU_LDAP_GROUP_BASE = env_str("KEFU_LDAP_GROUP_BASE", "") or ""
KEFU_LDAP_GROUP_TYPE = env_str("KEFU_LDAP_GROUP_TYPE", "groupOfNames") or "groupOfNames"
KEFU_LDAP_ATTR_NAME = env_str("KEFU_LDAP_ATTR_NAME", "cn") or "cn"
KEFU_LDAP_ATTR_EMAIL = env_str("KEFU_LDAP_ATTR_EMAIL", "mail") or "mail"
KEFU_LDAP_ATTR_BADGE = env_str("KEFU_LDAP_ATTR_BADGE", "employeeNumber") or "employeeNumber"
KEFU_LDAP_TIMEOUT = env_int("KEFU_LDAP_TIMEOUT", 10)
if KEFU_LDAP_GROUP_TYPE not in {"groupOfNames", "groupOfUniqueNames", "posixGroup", "activeDirectory"}:
    raise ConfigError(
        f"KEFU_LDAP_GROUP_TYPE={KEFU_LDAP_GROUP_TYPE!r} must be groupOfNames, groupOfUniqueNames, posixGroup"
        " or activeDirectory"
    )
if KEFU_LDAP_URL and not (KEFU_LDAP_USER_BASE and KEFU_LDAP_GROUP_BASE):
    raise ConfigError("KEFU_LDAP_URL needs KEFU_LDAP_USER_BASE and KEFU_LDAP_GROUP_BASE")
KEFU_OIDC_ISSUER = env_str("KEFU_OIDC_ISSUER", "") or ""  # https://id.example.com/realms/staff
KEFU_OIDC_CLIENT_ID = env_str("KEFU_OIDC_CLIENT_ID", "") or ""
KEFU_OIDC_CLIENT_SECRET = env_str("KEFU_OIDC_CLIENT_SECRET", "") or ""
KEFU_OIDC_NAME = env_str("KEFU_OIDC_NAME", "OpenID Connect") or "OpenID Connect"  # "Sign in with …"
KEFU_OIDC_SCOPES = env_str("KEFU_OIDC_SCOPES", "openid email profile") or "openid email profile"
KEFU_OIDC_GROUPS_CLAIM = env_str("KEFU_OIDC_GROUPS_CLAIM", "groups") or "groups"
KEFU_OIDC_USERNAME_CLAIM = env_str("KEFU_OIDC_USERNAME_CLAIM", "preferred_username") or "preferred_username"
KEFU_OIDC_BADGE_CLAIM = env_str("KEFU_OIDC_BADGE_CLAIM", "") or ""
KEFU_OIDC_SIGN_ALGO = env_str("KEFU_OIDC_SIGN_ALGO", "RS256") or "RS256"
KEFU_OIDC_TIMEOUT = env_int("KEFU_OIDC_TIMEOUT", 10)
if KEFU_OIDC_ISSUER and not (KEFU_OIDC_CLIENT_ID and KEFU_OIDC_CLIENT_SECRET):
    raise ConfigError("KEFU_OIDC_ISSUER needs KEFU_OIDC_CLIENT_ID and KEFU_OIDC_CLIENT_SECRET")
# the session read with its user and staff profile in one query (kefu.console.sessions)
SESSION_ENGINE = "kefu.console.sessions"
AUTHENTICATION_BACKENDS = [
    *(["kefu.sso.ldap.DirectoryBackend"] if KEFU_LDAP_URL else []),
    *(["kefu.sso.oidc.OidcBackend"] if KEFU_OIDC_ISSUER else []),
    # local accounts, after the directory: Django's ModelBackend, the session's user read with its staff
    # profile in one query (sessions signed in under "django.contrib.auth.backends.ModelBackend" sign in again)
    "kefu.console.auth.StaffSessionBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("zh-hant", "繁體中文"),
    ("hu", "Magyar"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("KEFU_TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"

STATIC_URL = "/static/"
# kefu/static holds the project-wide CSS/JS (kefu is not an app, so the app finder does not see it)
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
with contextlib.suppress(OSError):  # WhiteNoise warns about a missing directory
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("KEFU_MEDIA_ROOT", str(DATA_DIR / "media")) or "media")
MEDIA_URL = "/media-not-served/"  # attachments are served only through access-checked views

KEFU_MAX_ATTACHMENT_BYTES = env_int("KEFU_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# Inbound e-mail (docs/design/inbound-email.md): one acknowledgement per sender per window; larger messages are
# dead letters; extra addresses of our own that are never acknowledged (mail loops).
KEFU_MAIL_ACK_WINDOW_MINUTES = env_int("KEFU_MAIL_ACK_WINDOW_MINUTES", 60)
KEFU_MAIL_MAX_BYTES = env_int("KEFU_MAIL_MAX_BYTES", 30 * 1024 * 1024)
KEFU_MAIL_OWN_ADDRESSES = env_list("KEFU_MAIL_OWN_ADDRESSES", [])
KEFU_MAIL_RAW_RETENTION_DAYS = env_int("KEFU_MAIL_RAW_RETENTION_DAYS", 90)  # 0 keeps raw e-mail forever
# Privacy (docs/privacy.md, "Access records"): access records are kept this many days (0: forever), and the
# unusual-access report lists staff who opened this many customers outside their branch/area in a day
KEFU_ACCESS_RECORDS_RETENTION_DAYS = env_int("KEFU_ACCESS_RECORDS_RETENTION_DAYS", 365)
KEFU_UNUSUAL_ACCESS_THRESHOLD = env_int("KEFU_UNUSUAL_ACCESS_THRESHOLD", 20)
# authserv-ids of our receiving mail servers whose Authentication-Results are believed (empty: none read);
# DMARC failed for the From domain → the mail is unverified and never joins an existing order
KEFU_MAIL_TRUSTED_AUTHSERV_IDS = env_list("KEFU_MAIL_TRUSTED_AUTHSERV_IDS", [])
# Reports (docs/kpis.md, "Closed months"): a month's KPI figures are frozen this many days after it ended;
# a negative value never closes a period (every report counts live).
KEFU_REPORT_CLOSE_AFTER_DAYS = env_int("KEFU_REPORT_CLOSE_AFTER_DAYS", 7)
# ("The current month"): the periods not closed yet are recounted this often in the background and their
# reports read that snapshot while it is younger than three intervals; 0 counts every report live.
KEFU_REPORT_REFRESH_MINUTES = env_int("KEFU_REPORT_REFRESH_MINUTES", 10)
# Satisfaction (docs/quality.md, "Low answers"): an answer of at most this on the 1–5 scale (or
# "dissatisfied") opens a recovery task for the leader of the order's owner, due this many hours later.
KEFU_SATISFACTION_LOW_AT = env_int("KEFU_SATISFACTION_LOW_AT", 2)
KEFU_RECOVERY_HOURS = env_int("KEFU_RECOVERY_HOURS", 48)
KEFU_IMAP_CA_FILE = env_str("KEFU_IMAP_CA_FILE", "") or ""  # PEM of a private CA of the IMAP servers
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# the longest query string the API takes (bytes as sent); longer: 414 with the error JSON (docs/api.md)
KEFU_API_MAX_QUERY_BYTES = env_int("KEFU_API_MAX_QUERY_BYTES", 4096)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION and env_bool("KEFU_HTTPS", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

KEFU_COMPANY_NAME = env_str("KEFU_COMPANY_NAME", "") or ""
# customer portal: one-time sign-in links (lifetime, limits per client address and per e-mail/phone), the
# branch of customers who register themselves (a branch code; empty = the first branch by code), the
# address used in links (empty = the host of the request, checked against ALLOWED_HOSTS), anonymous reports
KEFU_PORTAL_LINK_MINUTES = env_int("KEFU_PORTAL_LINK_MINUTES", 30)
KEFU_PORTAL_LINK_PER_HOUR_IP = env_int("KEFU_PORTAL_LINK_PER_HOUR_IP", 10)
KEFU_PORTAL_LINK_PER_HOUR_ADDRESS = env_int("KEFU_PORTAL_LINK_PER_HOUR_ADDRESS", 3)
KEFU_PORTAL_DEFAULT_BRANCH = env_str("KEFU_PORTAL_DEFAULT_BRANCH", "") or ""
KEFU_PUBLIC_URL = (env_str("KEFU_PUBLIC_URL", "") or "").rstrip("/")
KEFU_BIND = env_str("KEFU_BIND", DEFAULT_BIND) or DEFAULT_BIND
KEFU_PORTAL_REPORT_PER_HOUR_IP = env_int("KEFU_PORTAL_REPORT_PER_HOUR_IP", 5)
# incidents (docs/incidents.md): reporters called back after a resolution; hours before the start a report may match
KEFU_INCIDENT_FOLLOWUP_SAMPLE = env_int("KEFU_INCIDENT_FOLLOWUP_SAMPLE", 5)
KEFU_INCIDENT_SUGGEST_HOURS = env_int("KEFU_INCIDENT_SUGGEST_HOURS", 24)
KEFU_PORTAL_REPORT_PER_HOUR_ADDRESS = env_int("KEFU_PORTAL_REPORT_PER_HOUR_ADDRESS", 3)
# portal requests per customer and per address
KEFU_PORTAL_SUBMIT_PER_HOUR = env_int("KEFU_PORTAL_SUBMIT_PER_HOUR", 10)
# A customer merge can be undone this many hours after it was made (kefu.customers.merge)
KEFU_CUSTOMER_MERGE_UNDO_HOURS = env_int("KEFU_CUSTOMER_MERGE_UNDO_HOURS", 72)
KEFU_WORKER_IN_SERVE = env_bool("KEFU_WORKER_IN_SERVE", True)
KEFU_QUEUE_POLL_SECONDS = env_int("KEFU_QUEUE_POLL_SECONDS", 15)
# Live updates by server push (kefu.live, docs/adr/0006-live-updates.md): on SQLite the one process reads
# new events every KEFU_LIVE_POLL_MS; on PostgreSQL LISTEN/NOTIFY wakes it and the table is re-read
# every KEFU_LIVE_SAFETY_POLL_SECONDS only as a safety net. A stream ends after KEFU_LIVE_MAX_SECONDS (the
# browser reconnects with Last-Event-ID at once); events are kept KEFU_LIVE_KEEP_SECONDS for that replay.
# KEFU_LIVE=0 turns push off: pages poll every KEFU_QUEUE_POLL_SECONDS as before.
KEFU_LIVE = env_bool("KEFU_LIVE", True)
KEFU_LIVE_POLL_MS = env_int("KEFU_LIVE_POLL_MS", 500)
KEFU_LIVE_SAFETY_POLL_SECONDS = env_int("KEFU_LIVE_SAFETY_POLL_SECONDS", 5)
# the hub's LISTEN connection, when DATABASE_URL goes through a pooler in transaction mode (which cannot
# LISTEN): a direct URL of the same database (docs/operations.md, "Connection pooling")
KEFU_LIVE_LISTEN_URL = env_str("KEFU_LIVE_LISTEN_URL", "") or ""
KEFU_LIVE_KEEPALIVE_SECONDS = env_int("KEFU_LIVE_KEEPALIVE_SECONDS", 25)
KEFU_LIVE_MAX_SECONDS = env_int("KEFU_LIVE_MAX_SECONDS", 1800)
KEFU_LIVE_RETRY_MS = env_int("KEFU_LIVE_RETRY_MS", 3000)
KEFU_LIVE_KEEP_SECONDS = env_int("KEFU_LIVE_KEEP_SECONDS", 600)
# after a wake-up the hub waits this long before reading, so a burst of commits is one query and one write
# per console (events of one read that supersede each other are sent once: kefu.live.topics.coalesce_key);
# 250 ms: half the fan-out CPU of 50 ms under a steady flow of changes, p95 commit → console ≈ 0.35 s
# (bench/RESULTS.md, "fan-out by the queue a console shows")
KEFU_LIVE_COALESCE_MS = env_int("KEFU_LIVE_COALESCE_MS", 250)
# the port at which browsers reach the event streams on the page's own host name (`kefu serve` runs them on a
# second listener, KEFU_LIVE_BIND, and sets this to its port); 0 = the page's own origin (one ASGI port, or a
# reverse proxy that routes /live/ to KEFU_LIVE_BIND: docs/operations.md)
KEFU_LIVE_PORT = env_int("KEFU_LIVE_PORT", 0)
KEFU_PAGE_SIZE = env_int("KEFU_PAGE_SIZE", 50)
# days before a subscription expires that the customer is reminded
KEFU_FEE_REMINDER_DAYS = env_int("KEFU_FEE_REMINDER_DAYS", 15)
# commitment clocks: the share of a time limit used when "deadline near" warns (0 < f <= 1), and how
# often the worker's breach sweep looks for warnings and passed deadlines
_warn_fraction = env_str("KEFU_CLOCK_WARN_FRACTION", "0.75") or "0.75"
try:
    KEFU_CLOCK_WARN_FRACTION = float(_warn_fraction)
except ValueError:
    raise ConfigError(f"KEFU_CLOCK_WARN_FRACTION={_warn_fraction!r} is not a number") from None
if not 0 < KEFU_CLOCK_WARN_FRACTION <= 1:
    raise ConfigError(f"KEFU_CLOCK_WARN_FRACTION={_warn_fraction!r} must be above 0 and at most 1")
KEFU_BREACH_SWEEP_SECONDS = env_int("KEFU_BREACH_SWEEP_SECONDS", 60)
if KEFU_BREACH_SWEEP_SECONDS < 1:
    raise ConfigError(f"KEFU_BREACH_SWEEP_SECONDS={KEFU_BREACH_SWEEP_SECONDS} must be at least 1")
# the "customer unreachable" report: the contact attempts company policy requires before it — how many,
# how far apart at least (hours), by which means (phone, sms, visit, other)
KEFU_UNREACHABLE_ATTEMPTS = env_int("KEFU_UNREACHABLE_ATTEMPTS", 3)
KEFU_UNREACHABLE_GAP_HOURS = env_int("KEFU_UNREACHABLE_GAP_HOURS", 2)
KEFU_UNREACHABLE_METHODS = tuple(
    m.strip()
    for m in (env_str("KEFU_UNREACHABLE_METHODS", "phone,sms") or "phone,sms").split(",")
    if m.strip()
)
if KEFU_UNREACHABLE_ATTEMPTS < 1 or KEFU_UNREACHABLE_GAP_HOURS < 0:
    raise ConfigError(
        "KEFU_UNREACHABLE_ATTEMPTS must be at least 1 and KEFU_UNREACHABLE_GAP_HOURS not negative"
    )
if not KEFU_UNREACHABLE_METHODS or set(KEFU_UNREACHABLE_METHODS) - {"phone", "sms", "visit", "other"}:
    raise ConfigError(
        f"KEFU_UNREACHABLE_METHODS={KEFU_UNREACHABLE_METHODS!r}: use phone, sms, visit, other (comma-separated)"
    )
# the customer's rights (kefu.rights, docs/privacy.md): the codes of the branches whose requests are answered
# under the GDPR (one month) instead of PIPL practice (15 working days); "*" = every branch
KEFU_GDPR_BRANCHES = tuple(env_list("KEFU_GDPR_BRANCHES", []))
# accountability (kefu.supervision, R-27): the days a staff member has to give a statement before a leader may
# decide without it, and the penalty (yuan) proposed with public criticism
KEFU_ACCOUNTABILITY_STATEMENT_DAYS = env_int("KEFU_ACCOUNTABILITY_STATEMENT_DAYS", 5)
if KEFU_ACCOUNTABILITY_STATEMENT_DAYS < 0:
    raise ConfigError(
        f"KEFU_ACCOUNTABILITY_STATEMENT_DAYS={KEFU_ACCOUNTABILITY_STATEMENT_DAYS} must not be negative"
    )
KEFU_ACCOUNTABILITY_PENALTY = env_int("KEFU_ACCOUNTABILITY_PENALTY", 200)

# Outbox (kefu.channels.outbox): transports "file" (writes into KEFU_OUTBOX_DIR), "smtp" (e-mail through
# Django's SMTP backend and the EMAIL_* settings below) and "console" (a log line; SMS until gateways exist)
KEFU_OUTBOX_EMAIL_TRANSPORT = env_str("KEFU_OUTBOX_EMAIL_TRANSPORT", "file") or "file"
KEFU_OUTBOX_SMS_TRANSPORT = env_str("KEFU_OUTBOX_SMS_TRANSPORT", "console") or "console"
if KEFU_OUTBOX_EMAIL_TRANSPORT not in ("file", "smtp", "console"):
    raise ConfigError(
        f"KEFU_OUTBOX_EMAIL_TRANSPORT={KEFU_OUTBOX_EMAIL_TRANSPORT!r}: use file, smtp or console"
    )
if KEFU_OUTBOX_SMS_TRANSPORT not in ("file", "console", "http"):
    raise ConfigError(f"KEFU_OUTBOX_SMS_TRANSPORT={KEFU_OUTBOX_SMS_TRANSPORT!r}: use file, console or http")
# The signed-HTTP SMS gateway (kefu.channels.sms): where outbound SMS are POSTed, and the shared secret of the
# HMAC-SHA256 signature in both directions.
KEFU_SMS_HTTP_URL = env_str("KEFU_SMS_HTTP_URL", "") or ""
KEFU_SMS_HTTP_SECRET = env_str("KEFU_SMS_HTTP_SECRET", "") or ""
# MMS: the gateway's media API, "{id}" replaced by a media id of an inbound message (docs/media.md)
KEFU_SMS_MEDIA_URL = env_str("KEFU_SMS_MEDIA_URL", "") or ""
if KEFU_OUTBOX_SMS_TRANSPORT == "http" and not (KEFU_SMS_HTTP_URL and KEFU_SMS_HTTP_SECRET):
    raise ConfigError("KEFU_OUTBOX_SMS_TRANSPORT=http needs KEFU_SMS_HTTP_URL and KEFU_SMS_HTTP_SECRET")
# Inbound SMS (kefu.channels.sms.inbound) and chat (kefu.channels.chat), phone call-backs (kefu.channels.cti);
# see docs/operations.md, "Phone, SMS, chat and social media gateways".
KEFU_SMS_BRANCH = env_str("KEFU_SMS_BRANCH", "") or ""
KEFU_SMS_THREAD_DAYS = env_int("KEFU_SMS_THREAD_DAYS", 7)
# SMS consent (kefu.channels.outbox.consent; docs/privacy.md): words a whole inbound SMS may be to refuse
# reminders and marketing, or to subscribe again — added to the built-in R, TD, 退订, STOP, LEIRATKOZ … and
# START, 恢复, FELIRATKOZ … (compared without case, accents, spaces and punctuation)
KEFU_SMS_OPT_OUT_WORDS = env_list("KEFU_SMS_OPT_OUT_WORDS", [])
KEFU_SMS_OPT_IN_WORDS = env_list("KEFU_SMS_OPT_IN_WORDS", [])
KEFU_SMS_SIGNATURE_MAX_AGE = env_int(
    "KEFU_SMS_SIGNATURE_MAX_AGE", 300
)  # seconds; 0 = gateway sends no timestamp
KEFU_CHAT_API_BASE = (
    env_str("KEFU_CHAT_API_BASE", "https://qyapi.weixin.qq.com") or "https://qyapi.weixin.qq.com"
)
KEFU_CHAT_CORP_ID = env_str("KEFU_CHAT_CORP_ID", "") or ""
KEFU_CHAT_SECRET = env_str("KEFU_CHAT_SECRET", "") or ""
KEFU_CHAT_BRANCH = env_str("KEFU_CHAT_BRANCH", "") or ""
KEFU_CHAT_THREAD_DAYS = env_int("KEFU_CHAT_THREAD_DAYS", 7)
KEFU_CHAT_REPLY_WINDOW_HOURS = env_int("KEFU_CHAT_REPLY_WINDOW_HOURS", 48)
KEFU_CHAT_MAX_REPLIES = env_int("KEFU_CHAT_MAX_REPLIES", 5)
# Staff notifications by WeCom (kefu.channels.outbox.wecom): an application message (message/send) from the
# company's self-built app KEFU_WECOM_AGENT_ID, with that app's secret; the company and the API address are
# the chat's (KEFU_CHAT_CORP_ID, KEFU_CHAT_API_BASE) unless set here. Transport "api" sends; "console" (the
# default) logs a line, "file" writes into KEFU_OUTBOX_DIR.
KEFU_OUTBOX_WECOM_TRANSPORT = env_str("KEFU_OUTBOX_WECOM_TRANSPORT", "console") or "console"
if KEFU_OUTBOX_WECOM_TRANSPORT not in ("file", "console", "api"):
    raise ConfigError(
        f"KEFU_OUTBOX_WECOM_TRANSPORT={KEFU_OUTBOX_WECOM_TRANSPORT!r}: use file, console or api"
    )
KEFU_WECOM_API_BASE = env_str("KEFU_WECOM_API_BASE", "") or KEFU_CHAT_API_BASE
KEFU_WECOM_CORP_ID = env_str("KEFU_WECOM_CORP_ID", "") or KEFU_CHAT_CORP_ID
KEFU_WECOM_AGENT_ID = env_str("KEFU_WECOM_AGENT_ID", "") or ""
KEFU_WECOM_SECRET = env_str("KEFU_WECOM_SECRET", "") or ""
if KEFU_OUTBOX_WECOM_TRANSPORT == "api" and not (
    KEFU_WECOM_CORP_ID and KEFU_WECOM_AGENT_ID.isdecimal() and KEFU_WECOM_SECRET
):
    raise ConfigError(
        "KEFU_OUTBOX_WECOM_TRANSPORT=api needs KEFU_WECOM_CORP_ID (or KEFU_CHAT_CORP_ID), a numeric "
        "KEFU_WECOM_AGENT_ID and KEFU_WECOM_SECRET"
    )
KEFU_CALLBACK_DUE_MINUTES = env_int("KEFU_CALLBACK_DUE_MINUTES", 30)
KEFU_OUTBOX_DIR = Path(env_str("KEFU_OUTBOX_DIR", str(DATA_DIR / "outbox")) or "outbox")
KEFU_OUTBOX_MAX_ATTEMPTS = env_int("KEFU_OUTBOX_MAX_ATTEMPTS", 8)
KEFU_OUTBOX_RETRY_SECONDS = env_int("KEFU_OUTBOX_RETRY_SECONDS", 60)
# Triggers and outbound webhooks (kefu.automation, docs/webhooks.md). A webhook URL must be https to a public
# address; KEFU_WEBHOOK_ALLOW_HOSTS lists hosts, addresses or networks (CIDR) that may be private or
# loopback and plain http (e.g. "127.0.0.1,10.0.0.0/8,hooks.internal"). With KEFU_DEBUG loopback is allowed.
KEFU_WEBHOOK_ALLOW_HOSTS = env_list("KEFU_WEBHOOK_ALLOW_HOSTS", [])
KEFU_WEBHOOK_TIMEOUT = env_int("KEFU_WEBHOOK_TIMEOUT", 10)  # seconds per attempt
KEFU_WEBHOOK_RETRY_SECONDS = env_int("KEFU_WEBHOOK_RETRY_SECONDS", 30)  # first back-off, doubled each time
KEFU_WEBHOOK_MAX_ATTEMPTS = env_int("KEFU_WEBHOOK_MAX_ATTEMPTS", 8)  # per delivery, then it is given up
KEFU_WEBHOOK_DISABLE_AFTER = env_int("KEFU_WEBHOOK_DISABLE_AFTER", 15)  # consecutive failures disable it
KEFU_WEBHOOK_LOG_DAYS = env_int("KEFU_WEBHOOK_LOG_DAYS", 30)  # the delivery log is kept this long
KEFU_TRIGGER_MAX_DEPTH = env_int("KEFU_TRIGGER_MAX_DEPTH", 3)  # triggers fired by triggers' own changes
EMAIL_HOST = env_str("KEFU_EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = env_int("KEFU_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("KEFU_EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("KEFU_EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("KEFU_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("KEFU_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("KEFU_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("KEFU_EMAIL_FROM", "kefu@localhost") or "kefu@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

MESSAGE_TAGS_TRANSLATED = {"error": _("Error")}

# --- Content-Security-Policy and portal sign-in hardening --------------------------------------------
# KEFU_CSP: enforce (default) sends Content-Security-Policy; report-only sends
# Content-Security-Policy-Report-Only (violations are reported, nothing is blocked); off sends none.
KEFU_CSP = (env_str("KEFU_CSP", "enforce") or "enforce").strip().lower()
if KEFU_CSP not in ("enforce", "report-only", "off"):
    raise ConfigError(f"KEFU_CSP={KEFU_CSP!r}: use enforce, report-only or off")
KEFU_CSP_REPORT_URI = env_str("KEFU_CSP_REPORT_URI", "") or ""  # where browsers POST violation reports
# a customer without a password who signed in with a link may set one this many minutes after it
KEFU_PORTAL_RECENT_AUTH_MINUTES = env_int("KEFU_PORTAL_RECENT_AUTH_MINUTES", 10)
KEFU_PORTAL_PASSWORD_PER_HOUR = env_int("KEFU_PORTAL_PASSWORD_PER_HOUR", 10)  # attempts per customer

# --- Company-wide hotline and media from the channels (docs/hotline.md, docs/media.md) ------------------
# minutes a customer opened from the hotline search stays on the agent's line
KEFU_HOTLINE_SESSION_MINUTES = env_int("KEFU_HOTLINE_SESSION_MINUTES", 30)
KEFU_HOTLINE_WRAPUP_MINUTES = env_int("KEFU_HOTLINE_WRAPUP_MINUTES", 10)  # after the call ended
KEFU_MEDIA_MAX_BYTES = env_int("KEFU_MEDIA_MAX_BYTES", 10 * 1024 * 1024)  # one image/file/voice message
# the content types (sniffed from the bytes, never from the name) a channel's media may have
KEFU_MEDIA_TYPES = env_list(
    "KEFU_MEDIA_TYPES",
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "audio/amr",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/x-wav",
        "video/mp4",
        "text/plain",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.ms-excel",
    ],
)
KEFU_MEDIA_FETCH_TIMEOUT = env_int("KEFU_MEDIA_FETCH_TIMEOUT", 20)  # seconds for one download
KEFU_MEDIA_FETCH_ATTEMPTS = env_int("KEFU_MEDIA_FETCH_ATTEMPTS", 6)  # then the fetch is given up (shown)
# Field service: booking visit windows (docs/field-service.md, "Settings")
KEFU_FIELD_WINDOW_MINUTES = env_int("KEFU_FIELD_WINDOW_MINUTES", 90)  # length of a visit window
KEFU_FIELD_TRAVEL_MINUTES = env_int("KEFU_FIELD_TRAVEL_MINUTES", 30)  # kept free before and after each visit
KEFU_FIELD_BOOKING_DAYS = env_int("KEFU_FIELD_BOOKING_DAYS", 14)  # how many days ahead windows are offered
KEFU_FIELD_LEAD_HOURS = env_int("KEFU_FIELD_LEAD_HOURS", 2)  # the earliest window starts this long from now
KEFU_FIELD_CHANGE_NOTICE_HOURS = env_int("KEFU_FIELD_CHANGE_NOTICE_HOURS", 24)  # customer changes until then
KEFU_FIELD_MAX_RESCHEDULES = env_int("KEFU_FIELD_MAX_RESCHEDULES", 2)  # reschedules a customer may make
KEFU_FIELD_LATE_TOLERANCE_MINUTES = env_int("KEFU_FIELD_LATE_TOLERANCE_MINUTES", 30)  # then missed, late
KEFU_FIELD_REMINDER_HOUR = env_int("KEFU_FIELD_REMINDER_HOUR", 18)  # local hour of the day-before reminder
KEFU_FIELD_LINK_DAYS = env_int("KEFU_FIELD_LINK_DAYS", 14)  # validity of the visit link in messages
