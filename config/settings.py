"""Settings for the staff-account management system, read from the environment.

With no environment at all it runs on SQLite in development mode. ``DJANGO_ENV=production``
switches every safety setting on and refuses to start without ``SECRET_KEY`` and
``ALLOWED_HOSTS``; ``DATABASE_URL`` selects PostgreSQL.
"""

import datetime
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.db import pool_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.") from exc
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # A fixed key is fine for a development database that holds demo data only.
    SECRET_KEY = env.str(
        "SECRET_KEY",
        default="dev-only-insecure-key-8f3b2c1d0e9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0",
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Key of the HMAC that stands in for resident ID numbers: the number itself is never stored.
# Changing it makes every stored hash useless for uniqueness, so set it once per installation.
if PRODUCTION:
    try:
        IDENTITY_HASH_KEY = env.str("IDENTITY_HASH_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("IDENTITY_HASH_KEY must be set when DJANGO_ENV=production.") from exc
    if len(IDENTITY_HASH_KEY) < 32:
        raise ImproperlyConfigured("IDENTITY_HASH_KEY must be at least 32 characters in production.")
else:
    IDENTITY_HASH_KEY = env.str("IDENTITY_HASH_KEY", default="dev-only-identity-hash-key-3c9e1f7a2b6d4e8f")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The CSRF failure page in the layout, with the menu (Django's own renders without the request).
CSRF_FAILURE_VIEW = "utilities.errors.csrf_failure"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, trust REMOTE_ADDR).
# Behind a proxy left at 0 every visitor shares the proxy's address (and one lockout):
# utilities.proxy warns in the log and in ``check --deploy`` once it has seen such requests.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "qsessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "mptt",
    "guardian",
    "django_tasks",
    "django_tasks_db",
    "utilities",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "accounts",
    "orgchart",
    "staff",
    "campaigns",
    "scim",
    "operations",
    "chat",
]

MIDDLEWARE = [
    # First, so that it also sees the requests SECURE_SSL_REDIRECT turns away.
    "utilities.proxy.UnconfiguredProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response gets the header, whichever middleware below answered.
    "utilities.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Under DEBUG (the quick start) a 404 keeps the site's page, not Django's list of URLs; outside
    # CommonMiddleware, so that a missing trailing slash still redirects first.
    "utilities.errors.DebugNotFoundMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL characters, deep JSON and huge URLs: 400/414 for every entry point, before any view.
    "utilities.hostile.HostileInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionTouchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An account past its verify-by time is frozen at its next request.
    "accounts.middleware.FreezeOverdueMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.RequestContextMiddleware",
    "accounts.middleware.SecondFactorGateMiddleware",
    "accounts.middleware.DingTalkGateMiddleware",
    "accounts.middleware.IndividualGateMiddleware",
    # Last, so that it turns a lockout flagged anywhere in the login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    # An empty DATABASE_URL counts as unset: SQLite in the project folder.
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend plus a flush that respects the audit log's triggers.
    DATABASES["default"]["ENGINE"] = "config.db.sqlite3"
    # WAL lets the background worker and the web process share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    # 0 under ASGI (config/serve.sh): Django runs each request's synchronous code in a thread of
    # its own there, so a connection kept for the next request would never be reused.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.str("DATABASE_POOLER", default="") == "pgbouncer":
        # Behind PgBouncer in transaction mode (docs/scaling.md) a server connection serves one
        # transaction at a time, so nothing may outlive a transaction: no server-side cursors
        # (QuerySet.iterator() outside a transaction opens a WITH HOLD cursor), and no startup
        # "options" (PgBouncer refuses the parameter): turn JIT off for the role instead,
        # ALTER ROLE … SET jit = off. Prepared statements stay off (Django's default for psycopg,
        # prepare_threshold=None), and Django's own pool must not sit behind another pooler.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # PostgreSQL's JIT compiles any plan estimated above jit_above_cost: on the R-41 data set that
        # added up to a second of compilation to queries that run in milliseconds (bench/).
        DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    # A connection pool per worker process (psycopg_pool through Django): under ASGI every request
    # opens a connection in a thread of its own, so a burst of buyers opening chat streams at once
    # would otherwise need as many PostgreSQL connections. Requests wait for a free one instead.
    # Not behind PgBouncer, which is the pool then.
    #
    # A database that went away (a restart, a fail-over) leaves the pool holding dead connections:
    # each is checked before it is handed out (``check``, one empty round trip) and replaced when
    # broken, so the first request after a restart gets a fresh connection. A request waits at most
    # DATABASE_POOL_TIMEOUT seconds for a connection, then fails with the error page instead of
    # hanging; connecting itself gives up after DATABASE_CONNECT_TIMEOUT seconds (pooled or not).
    DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
    DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=3.0)
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["OPTIONS"]["pool"] = pool_options(DATABASE_POOL_SIZE, DATABASE_POOL_TIMEOUT)

# A streaming replica for the heaviest reads: reports, exports, chat-history search and the audit
# log (utilities.db_router; docs/scaling.md). Unset: every read goes to the primary. A session that
# wrote reads the primary for DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS; a replica lagging more than
# DATABASE_REPLICA_MAX_LAG_SECONDS (checked at most every DATABASE_REPLICA_CHECK_SECONDS) or down is
# skipped, with a warning in the log.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = env.int("DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS", default=60)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL.")
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].update(
        {
            "ATOMIC_REQUESTS": False,
            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": True,
            # The tests read the test database's replicated copy: same name, the replica's server.
            "TEST": {"MIRROR": "default"},
        }
    )
    DATABASES["replica"].setdefault("OPTIONS", {})
    DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", 2)
    if "options" in DATABASES["default"]["OPTIONS"]:
        DATABASES["replica"]["OPTIONS"].setdefault("options", DATABASES["default"]["OPTIONS"]["options"])
    DATABASE_ROUTERS = ["utilities.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(0, "utilities.db_router.ReadYourWritesMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (user, address) pair before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.TenantAuthBackend",
    # <tenant>:<the identity provider's userName>, e.g. acme:li.wei@contoso.com.
    "scim.backends.ProviderUserNameBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-guardian: no anonymous user row; object permissions use the direct-FK models.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_AUTO_PREFETCH = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development gunicorn serves files straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Background work (notification delivery) runs through Django's task framework backport.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Notifications: which backends deliver each message.
NOTIFICATION_BACKENDS = env.list("NOTIFICATION_BACKENDS", default=["inbox", "console", "dingtalk"])
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# A worker holds a delivery this long while it sends it (a claim); a delivery still claimed after
# that, or pending and untouched that long, was left by a worker that died: ``manage.py
# reap_stale_work`` (cron, every minute) marks it failed with the reason or queues it again, and
# fails task rows still "running" after it. Well above the senders' timeouts (5 s).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=120)
# Any other background task still "running" this long is taken for lost with its worker.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=3600)
DINGTALK_TIMEOUT_SECONDS = env.float("DINGTALK_TIMEOUT_SECONDS", default=5.0)
# The only places robot messages may be POSTed to (scheme and host): DingTalk's documented
# custom-robot endpoint, https://oapi.dingtalk.com/robot/send?access_token=…
DINGTALK_ROBOT_ORIGINS = env.list("DINGTALK_ROBOT_ORIGINS", default=["https://oapi.dingtalk.com"])
# SMS (binding codes go only here, R-12). SMS_PROVIDER chooses the channel: "aliyun" (Aliyun SMS
# SendSms, signed HTTP API), "tencent" (Tencent Cloud SMS SendSms 2021-01-11, official SDK) or
# "webhook" (a relay of the merchant's own that takes signed JSON {mobile, text}). Empty: the
# webhook when SMS_GATEWAY_URL is set, else none. With none, development prints the text and
# production cannot send codes at all: the pages say so (accounts.channels.sms_available).
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=5.0)
SMS_PROVIDER = env.str("SMS_PROVIDER", default="webhook" if SMS_GATEWAY_URL else "").strip().lower()
ALIYUN_SMS_ACCESS_KEY_ID = env.str("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env.str("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env.str("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATE_CODE = env.str("ALIYUN_SMS_TEMPLATE_CODE", default="")
ALIYUN_SMS_TEMPLATE_PARAM = env.str("ALIYUN_SMS_TEMPLATE_PARAM", default="code")
ALIYUN_SMS_REGION = env.str("ALIYUN_SMS_REGION", default="cn-hangzhou")
ALIYUN_SMS_ENDPOINT = env.str("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
TENCENT_SMS_SECRET_ID = env.str("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env.str("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env.str("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env.str("TENCENT_SMS_SIGN_NAME", default="")
TENCENT_SMS_TEMPLATE_ID = env.str("TENCENT_SMS_TEMPLATE_ID", default="")
# The template's {1}, {2} … in order: "code" and, if the template has it, "minutes" (validity).
TENCENT_SMS_TEMPLATE_PARAMS = env.list("TENCENT_SMS_TEMPLATE_PARAMS", default=["code"])
TENCENT_SMS_REGION = env.str("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env.str("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com")
_SMS_REQUIRED = {
    "": [],
    "webhook": ["SMS_GATEWAY_URL", "SMS_GATEWAY_SECRET"],
    "aliyun": ["ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME", "ALIYUN_SMS_TEMPLATE_CODE"],
    "tencent": [
        "TENCENT_SMS_SECRET_ID",
        "TENCENT_SMS_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
        "TENCENT_SMS_SIGN_NAME",
        "TENCENT_SMS_TEMPLATE_ID",
    ],
}
if SMS_PROVIDER not in _SMS_REQUIRED:
    raise ImproperlyConfigured("SMS_PROVIDER must be empty, 'aliyun', 'tencent' or 'webhook'.")
if SMS_GATEWAY_URL and not SMS_GATEWAY_SECRET:
    raise ImproperlyConfigured("SMS_GATEWAY_SECRET must be set with SMS_GATEWAY_URL.")
_sms_missing = [name for name in _SMS_REQUIRED[SMS_PROVIDER] if not globals()[name]]
if _sms_missing:
    raise ImproperlyConfigured(f"SMS_PROVIDER={SMS_PROVIDER} needs {', '.join(_sms_missing)}.")
if not set(TENCENT_SMS_TEMPLATE_PARAMS) <= {"code", "minutes"}:
    raise ImproperlyConfigured("TENCENT_SMS_TEMPLATE_PARAMS lists 'code' and optionally 'minutes', in the template's order.")
# Binding codes: valid this long, burnt after this many wrong tries, resent at most this often.
BINDING_CODE_TTL_SECONDS = env.int("BINDING_CODE_TTL_SECONDS", default=600)
BINDING_CODE_MAX_FAILURES = 5
BINDING_CODE_RESEND_SECONDS = 60
BINDING_CODE_MAX_SENDS = 10  # per invitation: an SMS bomb through a leaked link stops here

# Where links inside notifications point (invitation links leave the site by DingTalk).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
INVITATION_TTL_HOURS = env.int("INVITATION_TTL_HOURS", default=72)
# Statements of operation accounts (账单明细, R-35) start no earlier than this date: the earliest
# the platform keeps.
try:
    STATEMENT_CUTOFF = datetime.date.fromisoformat(env.str("STATEMENT_CUTOFF", default="2019-07-01"))
except ValueError as exc:
    raise ImproperlyConfigured("STATEMENT_CUTOFF must be a date written YYYY-MM-DD.") from exc
# Sign-up: at most this many new accounts, shops and individuals together, per network
# (an IPv4 /24 or IPv6 /64) per window; 0 turns the limit off.
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=10)
SIGNUP_RATE_WINDOW_SECONDS = env.int("SIGNUP_RATE_WINDOW_SECONDS", default=3600)
# Public enrollment page: at most this many enrollments per IP address per window.
ENROLLMENT_RATE_LIMIT = env.int("ENROLLMENT_RATE_LIMIT", default=20)
ENROLLMENT_RATE_WINDOW_SECONDS = env.int("ENROLLMENT_RATE_WINDOW_SECONDS", default=600)

# Customer chat. Messages live in the database; Redis pub/sub only rings a doorbell that
# wakes the server-sent event streams of the people concerned (CHAT_PUSH=poll, or Redis down:
# each stream checks the database every CHAT_POLL_SECONDS instead).
CHAT_REDIS_URL = env.str("CHAT_REDIS_URL", default="redis://127.0.0.1:6379/0")
CHAT_CHANNEL_PREFIX = env.str("CHAT_CHANNEL_PREFIX", default="staffdesk:chat:")
CHAT_PUSH = env.str("CHAT_PUSH", default="redis")
if CHAT_PUSH not in {"redis", "poll"}:
    raise ImproperlyConfigured("CHAT_PUSH must be 'redis' or 'poll'.")
CHAT_POLL_SECONDS = env.float("CHAT_POLL_SECONDS", default=1.0)
# A staff member counts as online this long after the browser last reported (heartbeat every 20 s).
CHAT_PRESENCE_TTL_SECONDS = env.int("CHAT_PRESENCE_TTL_SECONDS", default=60)
CHAT_HEARTBEAT_SECONDS = env.int("CHAT_HEARTBEAT_SECONDS", default=20)
# How often the worker sweeps for members whose connection was lost past the shop's grace period
# (their open conversations then go to others) and hands out queued conversations (chat/tasks.py).
CHAT_SWEEP_SECONDS = env.int("CHAT_SWEEP_SECONDS", default=30)
# Buyers: conversations per IP address per window, and messages per conversation per minute.
CHAT_START_RATE_LIMIT = env.int("CHAT_START_RATE_LIMIT", default=10)
CHAT_START_RATE_WINDOW_SECONDS = env.int("CHAT_START_RATE_WINDOW_SECONDS", default=600)
CHAT_MESSAGE_RATE_LIMIT = env.int("CHAT_MESSAGE_RATE_LIMIT", default=30)

# Second factor: TOTP through django-otp, with single-use backup codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Staffdesk")
# The Django admin only for operators whose session passed a second factor. Not read from the
# environment: production always has it on (the test suite turns it off except in its own tests).
ADMIN_REQUIRES_SECOND_FACTOR = True
# How long the first login step (password accepted, code not yet given) waits for the code.
SECOND_FACTOR_PENDING_SECONDS = 300

# Lockout with django-axes. Failures count per (login, client address) pair, so that an
# attacker elsewhere cannot lock the real person out; after AXES_FAILURE_LIMIT failures that pair
# waits AXES_COOLOFF_MINUTES, counted from its last failure.
# OWASP ASVS V2.2.1 asks for at most 100 failed attempts per hour on one account:
# - one address: 10 failures, then 15 minutes locked = at most 10 per 15 minutes = 40 per hour;
# - all addresses together: LOGIN_FAILURES_PER_ACCOUNT_HOUR (100) failures in the last hour stop
#   password checks for the account from every address it has never logged in from, until the
#   hour rolls on (accounts.lockout). Addresses it has logged in from keep their own 40 per hour,
#   so a distributed attack cannot lock the owner out of their usual network.
# Production always locks out; AXES_ENABLED=off is for local experiments only.
AXES_ENABLED = True if PRODUCTION else env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
LOGIN_FAILURES_PER_ACCOUNT_HOUR = env.int("LOGIN_FAILURES_PER_ACCOUNT_HOUR", default=100)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts made while locked do not extend the lock, so the page can say exactly when to retry.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# One address rule for the audit log, sessions and lockout: utilities.request_context.client_ip
# (django-ipware, honouring TRUSTED_PROXY_HOPS), so axes' own AXES_IPWARE_* settings are unused.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.lockout_client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Operators unlock through our own admin for the attempts, which audits every deletion.
AXES_ENABLE_ADMIN = False

# The shared cache (Redis, which runs beside the database on every machine): copies of rows read
# on every request, so that a page does not pay a query for them (issue 16). It never holds the
# only copy of anything; when Redis is down the app reads the database instead
# (utilities.cache): the first failed call marks it down for the process, which logs the outage
# once, asks again every CACHE_RETRY_SECONDS and, when it answers, drops every entry that may have
# missed an invalidation meanwhile. Keys are prefixed with the database's name, so that two databases served
# from one Redis (a bench copy, a restored backup) never read each other's entries.
CACHE_URL = env.str("CACHE_URL", default="redis://127.0.0.1:6379/1")
CACHES = {
    "default": {
        "BACKEND": "utilities.cache.ResilientRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": f"staffdesk:{DATABASES['default']['NAME']}",
        "TIMEOUT": 3600,
        # After a failed call the process leaves Redis alone and asks it again this often.
        "RETRY_SECONDS": env.float("CACHE_RETRY_SECONDS", default=2.0),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# Sessions live in a table keyed by user (django-qsessions), so that a user's sessions can be
# listed and ended for real: deleted, not merely hidden. Reads come from the cache
# (qsessions' cached_db, with cached copies capped at five minutes: accounts/session_store.py):
# ending a session deletes its cached copy too (accounts.services.sessions).
SESSION_ENGINE = "accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp, utilities.csp): scripts, styles, images, fetches and event
# streams from this site only; no inline script, style, style="" attribute, on…="" handler or
# javascript: link runs unless a <script>/<style> carries the response's nonce
# (nonce="{{ request.csp_nonce }}"); never framed (with X_FRAME_OPTIONS for old browsers); forms
# post only here; no plugins. The TOTP QR code is inline SVG, so img-src needs no data:.
# tests/utilities/test_content_security_policy.py checks the header; the browser tests fail on
# any violation the browser reports.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

if PRODUCTION:
    if TRUSTED_PROXY_HOPS:
        # Only a proxy of ours may say the visitor came by https: without one, X-Forwarded-Proto is
        # whatever the client wrote, and the request is secure only if the app itself serves TLS.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain http is redirected either way: behind a proxy by what X-Forwarded-Proto says, without
    # one by the connection itself (so a proxy with TRUSTED_PROXY_HOPS left at 0 sees a loop).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Messages carry names people typed: the formatter escapes control and direction characters.
    "formatters": {
        "plain": {"()": "utilities.logs.EscapingFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
