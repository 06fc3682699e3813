"""facturier settings: everything from the environment, with safe defaults for the embedded setup.

Every variable is documented in README.md ("Settings").
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from facturier.core.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FACTURIER_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_secret("SECRET_KEY", keep_file=VAR_DIR / "secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "facturier.core",
    "facturier.accounts",
    "facturier.crm",
    "facturier.invoices",
    "facturier.dispatch",
    "facturier.returns",
    "facturier.worklist",
    "facturier.letters",
    "facturier.webhooks",
    "facturier.bulk",
    "facturier.dashboard",
    "facturier.web",
    "facturier.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "facturier.web.middleware.CompanyLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "facturier.web.middleware.LoginRequiredEverywhere",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "facturier.web.context.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'facturier.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web UI read while the worker writes; IMMEDIATE avoids
    # "database is locked" on read-then-write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiles a query when its estimated cost is high, which a LIMITed walk of a million-row
    # index can be while it reads a few thousand rows: 15 ms of compiling for a 10 ms query. The
    # screens and the worker run short queries only. A URL's own ?options=... is kept.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:invoice-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "facturier" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env_str("FACTURIER_MEDIA_DIR", str(VAR_DIR / "media"))))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# django-axes: lock a username+address pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- Outbound mail -------------------------------------------------------------------------------
# smtp://user:pass@host:port, smtp+starttls://..., smtps://...  Default: the bundled sandbox relay.
SMTP_URL = env_str("SMTP_URL", "smtp://127.0.0.1:2525")
FACTURIER_FROM = env_str("FACTURIER_FROM", "Facturation <factures@invoices.example.com>")
FACTURIER_REPLY_TO = env_str("FACTURIER_REPLY_TO", "")
# Envelope sender template: bounces@domain becomes bounces+TOKEN@domain for each dispatch (VERP).
FACTURIER_RETURN_PATH = env_str("FACTURIER_RETURN_PATH", "bounces@invoices.example.com")
# Domain for Message-IDs; defaults to the return path's domain.
FACTURIER_MESSAGE_ID_DOMAIN = env_str(
    "FACTURIER_MESSAGE_ID_DOMAIN", FACTURIER_RETURN_PATH.rpartition("@")[2] or "invoices.example.com"
)
FACTURIER_HOLIDAYS_COUNTRY = env_str("FACTURIER_HOLIDAYS_COUNTRY", "FR")
FACTURIER_HOLIDAYS_SUBDIV = env_str("FACTURIER_HOLIDAYS_SUBDIV", "")
# Company policy for invoices with no explicit send_at: "next business day at HH:MM" in the
# customer's send window ("immediate" sends at the next moment the window allows).
FACTURIER_SEND_POLICY = env_str("FACTURIER_SEND_POLICY", "next_business_day")
FACTURIER_SEND_HOUR = env_str("FACTURIER_SEND_HOUR", "08:00")
FACTURIER_SEND_RETRY_LIMIT = env_int("FACTURIER_SEND_RETRY_LIMIT", 6, minimum=0)
FACTURIER_SEND_RETRY_BASE_SECONDS = env_int("FACTURIER_SEND_RETRY_BASE_SECONDS", 60, minimum=1)
# A dispatch left in "sending" longer than this was cut off mid-send: it becomes "uncertain".
FACTURIER_SEND_LEASE_SECONDS = env_int("FACTURIER_SEND_LEASE_SECONDS", 300, minimum=10)
FACTURIER_WORKER_BATCH = env_int("FACTURIER_WORKER_BATCH", 50, minimum=1)
# Where the sandbox relay keeps what it received (the Outbox page reads it).
FACTURIER_SANDBOX_DIR = Path(env_str("FACTURIER_SANDBOX_DIR", str(VAR_DIR / "sandbox")))

# --- Returns ------------------------------------------------------------------------------------
IMAP_URL = env_str("IMAP_URL", "")  # imap://user:pass@host:port/INBOX, imaps://...
FACTURIER_IMAP_PROCESSED_FOLDER = env_str("FACTURIER_IMAP_PROCESSED_FOLDER", "Processed")
# Soft bounces are re-sent after these delays (hours), then become a work item.
FACTURIER_SOFT_BOUNCE_RETRY_HOURS = [float(h) for h in env_list("FACTURIER_SOFT_BOUNCE_RETRY_HOURS", ["1", "4", "24"])]
FACTURIER_CORRELATION_WINDOW_DAYS = env_int("FACTURIER_CORRELATION_WINDOW_DAYS", 30, minimum=1)

# --- Invalid address: letters, print, CRM -----------------------------------------------------------
FACTURIER_COMPANY_NAME = env_str("FACTURIER_COMPANY_NAME", "Exemple SAS")
FACTURIER_COMPANY_ADDRESS = env_str("FACTURIER_COMPANY_ADDRESS", "1 rue de l'Exemple\n75001 Paris\nFrance")
FACTURIER_COMPANY_CONTACT = env_str("FACTURIER_COMPANY_CONTACT", "factures@invoices.example.com")
FACTURIER_PORTAL_URL = env_str("FACTURIER_PORTAL_URL", "")
FACTURIER_PRINT_CUTOFF = env_str("FACTURIER_PRINT_CUTOFF", "16:00")
FACTURIER_PRINT_QUEUE = env_str("FACTURIER_PRINT_QUEUE", "")  # CUPS queue name for `lp -d`
FACTURIER_PRINT_HOT_FOLDER = env_str("FACTURIER_PRINT_HOT_FOLDER", "")
# Policy on an invalid address (each overridable per customer in Customer.preferences):
# print|work_item_only; immediate|cutoff; resend by e-mail once the address is corrected.
FACTURIER_ON_INVALID_ADDRESS = env_str("FACTURIER_ON_INVALID_ADDRESS", "print")
FACTURIER_POST_TIMING = env_str("FACTURIER_POST_TIMING", "cutoff")
FACTURIER_RESEND_ON_CORRECTION = env_bool("FACTURIER_RESEND_ON_CORRECTION", True)
# Window envelope: left (DIN 5008 form B / DIN 680 DL) or right (French DL); see letters/envelope.py.
FACTURIER_LETTER_WINDOW = env_str("FACTURIER_LETTER_WINDOW", "right")
FACTURIER_PRINT_DUPLEX = env_bool("FACTURIER_PRINT_DUPLEX", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # aiosmtpd logs every SMTP command at INFO under "mail.log": too chatty for run-all's terminal.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "mail.log": {"level": "WARNING"}},
}
