"""Django settings for Satu Data UMKM.

Everything an installation needs is read from the environment, with defaults that run on a
fresh machine with no database server: SQLite under SATUDATA_HOME. Set DATABASE_URL
(``postgres://…``) for the production database.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from satudata.paths import read_or_create_secret, satudata_home

BASE_DIR = Path(__file__).resolve().parent
HOME = satudata_home()

SECRET_KEY = os.environ.get("SATUDATA_SECRET_KEY") or read_or_create_secret(HOME / "secret_key")
DEBUG = os.environ.get("SATUDATA_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SATUDATA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SATUDATA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # With ninja installed as an app, the API's Swagger page uses its bundled static files, not a CDN.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "satudata.accounts",
    "satudata.access",
    "satudata.audit",
    "satudata.security",
    "satudata.reference",
    "satudata.standards",
    "satudata.producers",
    "satudata.validation",
    "satudata.submissions",
    "satudata.entry",
    "satudata.registry",
    "satudata.linkage",
    "satudata.publishedstats",
    "satudata.portal",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every URL passes its access policy check here: sign-in, second factor, expiry, role.
    "satudata.access.middleware.AccessMiddleware",
    # Last, so that a lockout response replaces whatever the sign-in view returned.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "satudata.urls"
WSGI_APPLICATION = "satudata.wsgi.application"

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
            ],
        },
    },
]

# SQLite in WAL mode lets the web server read while an upload is being compiled. The page size
# takes effect only when the database file is created, and an existing file keeps its own. With
# 16 KiB pages instead of the default 4 KiB, compiling 200,000 rows into an empty registry took
# about a fifth less CPU time (bench/compile.py on 2 cores), because each page contains more rows.
SQLITE_PATH = HOME / "satudata.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with an in-process queue for write transactions.
    DATABASES["default"]["ENGINE"] = "satudata.db.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=30000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's default test database for SQLite, named so that pytest-django, which recognizes
    # SQLite by Django's own engine path, does not make a file name of it for each xdist worker.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Seconds a write transaction waits for the others of its process (satudata.db.sqlite3), like
# busy_timeout above for other processes. 0 turns the queue off.
SATUDATA_SQLITE_WRITE_WAIT = float(os.environ.get("SATUDATA_SQLITE_WRITE_WAIT", "30"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# django-axes checks the lockout before the model backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "satudata.accounts.backends.AccountBackend",
]
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failed sign-ins (django-axes): failures are counted per user name and
# address together, so a colleague's typing errors behind the same office NAT do not lock
# another account. The lock lifts after the cool-off time, or earlier when the walidata
# administrator unlocks the account ('satudata user unlock NAME' or the user's page).
AXES_FAILURE_LIMIT = int(os.environ.get("SATUDATA_LOCKOUT_FAILURES", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SATUDATA_LOCKOUT_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "satudata.accounts.lockout.lockout_response"
AXES_VERBOSE = False

# TOTP second factor (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = os.environ.get("SATUDATA_OTP_ISSUER", "Satu Data UMKM")
# Accounts are reviewed at least yearly; a new account's review date is this many days ahead.
SATUDATA_ACCOUNT_VALID_DAYS = int(os.environ.get("SATUDATA_ACCOUNT_VALID_DAYS", 365))
# Largest PDF accepted with an account request (cover letter, confidentiality statement), in bytes.
SATUDATA_MAX_PDF_BYTES = int(os.environ.get("SATUDATA_MAX_PDF_BYTES", 5 * 1024 * 1024))

SESSION_COOKIE_AGE = int(os.environ.get("SATUDATA_SESSION_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = os.environ.get("SATUDATA_HTTPS", "") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve the apps' static files directly, so no collectstatic step is needed to start.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded raw files and the artefacts derived from them (staged rows, error reports).
MEDIA_ROOT = HOME / "files"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest submission file accepted, in bytes; larger files are rejected before they are read.
SATUDATA_MAX_UPLOAD_BYTES = int(os.environ.get("SATUDATA_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024))

# Keyring for personal data encrypted at rest, kept outside the database.
SATUDATA_KEYRING_PATH = Path(os.environ.get("SATUDATA_KEYRING", HOME / "keys" / "keyring.json"))

# Audit checkpoints: an Ed25519 signature over the chain head every N entries (0 turns automatic
# checkpoints off; 'satudata audit sign' still signs on demand). The signing key is a file in this
# folder, outside the database.
SATUDATA_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("SATUDATA_AUDIT_CHECKPOINT_EVERY", 1000))
SATUDATA_AUDIT_KEYS_DIR = Path(os.environ.get("SATUDATA_AUDIT_KEYS", HOME / "keys"))

# Background jobs (validation and compilation of large submissions). The embedded default keeps
# the queue in a SQLite file under SATUDATA_HOME and runs its workers inside 'satudata serve';
# SATUDATA_REDIS_URL moves the queue to Redis for a separate 'satudata worker' process.
# SATUDATA_JOBS=immediate runs every job at once in the caller, as the tests do.
_redis_url = os.environ.get("SATUDATA_REDIS_URL", "")
_jobs_mode = os.environ.get("SATUDATA_JOBS", "")
if _redis_url:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "satudata", "url": _redis_url, "immediate": False}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "name": "satudata", "filename": str(HOME / "jobs.sqlite3"),
            "immediate": _jobs_mode == "immediate"}
HUEY["consumer"] = {"workers": int(os.environ.get("SATUDATA_WORKERS", "2")), "worker_type": "thread"}

# Where notices for the walidata (submissions waiting to be checked, overdue steps) are sent.
SATUDATA_WALIDATA_EMAIL = os.environ.get("SATUDATA_WALIDATA_EMAIL", "walidata@localhost")
EMAIL_BACKEND = os.environ.get("SATUDATA_EMAIL_BACKEND", "satudata.portal.mail.ConsoleEmailBackend")
# SMTP server, used when SATUDATA_EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("SATUDATA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SATUDATA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SATUDATA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SATUDATA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SATUDATA_EMAIL_TLS", "") == "1"
# Used when SATUDATA_EMAIL_BACKEND is django.core.mail.backends.filebased.EmailBackend.
EMAIL_FILE_PATH = Path(os.environ.get("SATUDATA_EMAIL_DIR", HOME / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("SATUDATA_FROM_EMAIL", "satudata-umkm@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SATUDATA_LOG_LEVEL", "WARNING")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
