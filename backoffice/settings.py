"""Settings from environment variables, with typed parse helpers.

Every setting the application reads comes from here, so a deployment is described by its
environment alone. Secrets that must survive a restart (the session key and the encryption key
for client secrets and tokens) are generated into the instance folder on first run when the
environment does not supply them.
"""
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def env_str(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name, default=False):
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name, default=None):
    value = env_str(name)
    return int(value) if value is not None else default


def env_list(name, default=()):
    value = env_str(name)
    if value is None:
        return list(default)
    if value.strip().lower() == "none":
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def _instance_secret(instance_path, filename, make):
    """Read a secret kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / filename
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


def _key_file(path):
    """The key kept in a file of the operator's choice (e.g. a mounted secret)."""
    if not path:
        return None
    return Path(path).read_text().strip() or None


def sqlite_url(instance_path, filename="backoffice.sqlite3"):
    return f"sqlite:///{Path(instance_path) / filename}"


def load_settings(instance_path):
    """The application's configuration mapping, built from the environment."""
    return {
        "SQLALCHEMY_DATABASE_URI": env_str("DATABASE_URL", sqlite_url(instance_path)),
        # Seconds a single SQL statement may run on PostgreSQL before it is cancelled (0: no
        # limit, e.g. for a long migration); backoffice/db.py applies it.
        "DATABASE_STATEMENT_TIMEOUT": env_str("DATABASE_STATEMENT_TIMEOUT", "30"),
        "REDIS_URL": env_str("REDIS_URL"),
        "SECRET_KEY": env_str("SECRET_KEY")
        or _instance_secret(instance_path, "secret_key", lambda: secrets.token_hex(32)),
        # One Fernet key, or "new,old" while rotating (backoffice/crypto.py). In production set
        # it (or ENCRYPTION_KEY_FILE) outside the database's folder: docs/security.md.
        "ENCRYPTION_KEY": env_str("ENCRYPTION_KEY") or _key_file(env_str("ENCRYPTION_KEY_FILE"))
        or _instance_secret(instance_path, "encryption_key", lambda: Fernet.generate_key().decode()),
        # Failed logins allowed before logging in is paused (backoffice/auth.py).
        "LOGIN_LIMIT_PER_LOGIN": env_str("LOGIN_LIMIT_PER_LOGIN", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": env_str("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        "SESSION_LIFETIME_MINUTES": env_int("SESSION_LIFETIME_MINUTES", 480),
        # Host names this back office answers to (comma separated); empty: the EXTERNAL_URL's.
        "TRUSTED_HOSTS": env_list("TRUSTED_HOSTS"),
        # Public URL of this back office, used for the OAuth redirect URI shown to admins.
        "EXTERNAL_URL": env_str("EXTERNAL_URL"),
        "PLUGINS": env_list("PLUGINS", ["exact_plugin"]),
        "WTF_CSRF_TIME_LIMIT": None,
    }
