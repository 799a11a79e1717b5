"""Settings, read from the environment (healthchecks style): one module, SQLite by default."""

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RECOUVRA_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or read from the file named by NAME_FILE."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def load_or_create_secret_key() -> str:
    """Use SECRET_KEY when set; otherwise generate one once and keep it under var/."""
    if key := env_secret("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


SECRET_KEY = load_or_create_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recouvra.core",
    "recouvra.ledger",
    "recouvra.cases",
    "recouvra.imports",
    "recouvra.lettrage",
    "recouvra.letters",
    "recouvra.dunning",
    "recouvra.sepa",
    "recouvra.field",
    "recouvra.agency",
    "recouvra.web",
    "recouvra.lawdesk",
    "recouvra.pages",
    "recouvra.api",
    "recouvra.webhooks",
    "recouvra.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "recouvra.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "recouvra.core.middleware.MembershipMiddleware",
]

ROOT_URLCONF = "recouvra.urls"
WSGI_APPLICATION = "recouvra.wsgi.application"

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
                "django.template.context_processors.i18n",
                "recouvra.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
SQLITE_OPTIONS = {
    # WAL lets readers proceed while the worker writes; IMMEDIATE takes the write
    # lock at BEGIN so two writers wait (busy_timeout) instead of failing mid-way.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
    ),
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "recouvra.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory test database

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve straight from the apps, no collectstatic needed
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# the largest file anyone may upload (an import, a case attachment): core/uploads.py; the
# import parsers refuse larger files too (imports/parsers/detect.py MAX_BYTES)
UPLOAD_MAX_BYTES = 200 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Email: EMAIL_URL such as smtp://user:pass@host:587/?tls=True; console by default.
EMAIL_URL = env_secret("EMAIL_URL", "console://")
_email = dj_email_url.parse(EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "recouvra <noreply@localhost>")
# the right-hand part of the Message-IDs of dunning e-mails (<key@domain>)
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "recouvra.localhost")

# SMTP connections a delivery pass sends through at once (each in its own thread)
DELIVERY_CONNECTIONS = env_int("DELIVERY_CONNECTIONS", 8)

# the hour (Paris time) of the daily dunning run, enqueued by `recouvra clock`
DUNNING_RUN_HOUR = env_int("DUNNING_RUN_HOUR", 7)

# SMS: file:///folder (development) or the https:// endpoint of a JSON SMS API
SMS_URL = os.environ.get("SMS_URL", "") or f"file://{VAR_DIR / 'sms'}"
SMS_API_KEY = env_secret("SMS_API_KEY", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "RECOUVRA")
# the providers' delivery reports (POST /relances/retours/, "Authorization: Bearer …");
# unset, the webhook answers 404
DELIVERY_WEBHOOK_TOKEN = env_secret("DELIVERY_WEBHOOK_TOKEN", "")
# the Maildir where mail servers return undeliverable e-mail (the envelope sender's): the
# clock has its new messages read as bounces; unset, bounces come by the webhook only
BOUNCE_MAILDIR = os.environ.get("BOUNCE_MAILDIR", "")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # imports have their own queue (and worker, in `recouvra run`): a big file never
        # delays the sending of messages
        "QUEUES": ["default", "imports"],
    }
}
# Background workers (core/worker.py): each records a heartbeat every WORKER_HEARTBEAT
# seconds; the clock re-queues the tasks of a worker silent for WORKER_LEASE seconds.
WORKER_HEARTBEAT = env_int("WORKER_HEARTBEAT", 10)
WORKER_LEASE = env_int("WORKER_LEASE", 120)


def env_seconds_by_name(name: str) -> dict[str, int]:
    """`import_batch_task=3600,deliver_messages_task=900` → {name: seconds}."""
    found = {}
    for item in env_list(name, ""):
        key, _sep, seconds = item.partition("=")
        if not key.strip() or not seconds.strip().isdigit():
            raise ValueError(f"{name}: expected task_name=seconds, not {item!r}")
        found[key.strip()] = int(seconds)
    return found


# time limits of task kinds, in seconds, over their defaults (core/worker.py)
TASK_TIME_LIMITS = env_seconds_by_name("TASK_TIME_LIMITS")

# The REST API (recouvra.api): keys, problem+json errors, cursor pagination.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["recouvra.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["recouvra.api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recouvra.api.problems.handle_exception",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "recouvra API",
    "DESCRIPTION": (
        "Créanciers, débiteurs, créances, paiements, dossiers, relances, imports, lettrage "
        "et calculs du droit. Montants en centimes (entiers) avec leur devise, dates ISO "
        "8601, erreurs en application/problem+json (RFC 9457). Voir docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from the drf-spectacular-sidecar package, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "recouvra.api.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        # choice sets whose fields share a name ("status", "kind") in several resources
        "ImportStatusEnum": "recouvra.imports.models.ImportStatus",
        "ImportKindEnum": "recouvra.imports.models.ImportKind",
        "BankLineStatusEnum": "recouvra.imports.models.BankLineStatus",
        "ProposalStatusEnum": "recouvra.lettrage.models.ProposalStatus",
        "ClaimStatusEnum": "recouvra.ledger.models.ClaimStatus",
        "CaseStatusEnum": "recouvra.cases.models.CaseStatus",
        "InteractionKindEnum": "recouvra.cases.models.InteractionKind",
        "TaskKindEnum": "recouvra.cases.models.TaskKind",
        "StepDebtorKindEnum": "recouvra.dunning.models.DebtorKindCondition",
        "DebtorKindEnum": "recouvra.ledger.models.DebtorKind",
        "RiskLevelEnum": "recouvra.ledger.models.RiskLevel",
        "ClaimKindEnum": "recouvra.ledger.models.ClaimKind",
        "ContactKindEnum": "recouvra.ledger.models.ContactKind",
        "SepaSequenceEnum": "recouvra.sepa.models.Sequence",
        "MandateStatusEnum": "recouvra.sepa.models.MandateStatus",
        "CollectionStatusEnum": "recouvra.sepa.models.CollectionStatus",
        "DirectDebitStatusEnum": "recouvra.sepa.models.DebitStatus",
        "DisputeOutcomeEnum": "recouvra.cases.models.DisputeOutcome",
        "VisitOutcomeEnum": "recouvra.field.services.Outcome",
    },
}
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "1200/min")
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 10 * 1024 * 1024)

# Webhooks (recouvra.webhooks): endpoints are https:// on public addresses only; this lets
# them be http:// on this machine (127.0.0.1, localhost, [::1]) and be delivered to loopback
# addresses, for development and tests. Never in production.
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", DEBUG)

FILTERS_EMPTY_CHOICE_LABEL = _("Tous")
DJANGO_TABLES2_TEMPLATE = "web/_table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Reconciliation (lettrage): a proposal scoring at least this much (0–100) is applied
# without waiting for an agent; 101 turns automatic matching off.
RECONCILE_AUTO_THRESHOLD = env_int("RECONCILE_AUTO_THRESHOLD", 90)
# From this many lines, matching runs in a second process while this one stores
# (imports/decide.py); 0 turns it off.
RECONCILE_PARALLEL_MIN_LINES = env_int("RECONCILE_PARALLEL_MIN_LINES", 5_000) or 10**12
# SQLite: page cache of a lettrage run (MB). A run of 100,000 lines writes ~1 GB of pages
# in one transaction; with the default cache, SQLite spills them to the WAL mid-run.
RECONCILE_SQLITE_CACHE_MB = env_int("RECONCILE_SQLITE_CACHE_MB", 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Guards: sign-in lockout, password reset throttle, HTTPS behind a proxy -----------------
# django-axes counts failed sign-ins per e-mail address and client address (core/auth.py)
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes asks: turns a lockout into 429
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out pair before checking anything
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # a float: hours, for axes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# the lockout lasts its minutes from the last counted failure, not from each new try
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# the sign-in form posts the e-mail address as `username` (USERNAME_FIELD is `email`)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "recouvra.core.auth.login_username"
AXES_LOCKOUT_CALLABLE = "recouvra.core.auth.locked_out"
AXES_VERBOSE = False  # no banner on every `recouvra` command; lockouts are still logged
# one reset mail per address per this many minutes; so many asked per client address per hour
PASSWORD_RESET_MAIL_MINUTES = env_int("PASSWORD_RESET_MAIL_MINUTES", 15)
PASSWORD_RESET_MAILS_PER_IP_HOUR = env_int("PASSWORD_RESET_MAILS_PER_IP_HOUR", 5)


def env_proxy_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets, as SECURE_PROXY_SSL_HEADER wants it: from
    `HTTP_X_FORWARDED_PROTO` (or `X-Forwarded-Proto`, or `NAME=value`, value `https` when
    left out)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, _, expected = value.partition("=")
    header = header.strip().upper().replace("-", "_")
    if not header.startswith("HTTP_"):
        header = f"HTTP_{header}"
    if not header[5:] or not header.replace("_", "").isalnum():
        raise ValueError(f"{name} must name a header such as HTTP_X_FORWARDED_PROTO, not {value!r}")
    return header, expected.strip() or "https"


# HTTPS: all off by default (`make run` is plain HTTP); set them behind HTTPS in production
SECURE_PROXY_SSL_HEADER = env_proxy_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
