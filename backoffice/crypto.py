"""Encryption at rest for client secrets and OAuth tokens, with key rotation.

`EncryptedText` is a column type: values are Fernet-encrypted on the way in and decrypted on the
way out, so the database never holds a secret in plain text.

Keys: ENCRYPTION_KEY holds one Fernet key, or several separated by commas (newest first). The
first encrypts; every one is tried to decrypt (cryptography's MultiFernet). To rotate: put the new
key in front, run `flask --app app rotate-encryption-key` (re-encrypts every secret with the first
key), then drop the old one. See docs/security.md.

A value no key decrypts (the key was lost or changed) never raises while a row is loaded: it
reads as an `UnreadableSecret`, an empty string that remembers its cipher text. So every page
that lists or shows such a row still works and can say "needs reconnect: the encryption key
changed"; the code that needs the secret itself asks `is_unreadable()`. An unreadable value that
is written back unchanged keeps its cipher text (it might be read again with the old key).
"""
import logging

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.types import Text, TypeDecorator

log = logging.getLogger(__name__)

KEY_CHANGED = "needs reconnect: the encryption key changed"


class DecryptionFailed(Exception):
    """The stored value was encrypted with another key (ENCRYPTION_KEY changed?)."""


class EncryptionKeyMissing(Exception):
    """No usable ENCRYPTION_KEY is configured, so no secret can be saved."""


class UnreadableSecret(str):
    """A stored secret that none of the configured keys decrypts: reads as ""."""

    def __new__(cls, cipher_text):
        value = super().__new__(cls, "")
        value.cipher_text = cipher_text
        return value

    def __repr__(self):
        return "UnreadableSecret()"


def is_unreadable(value):
    return isinstance(value, UnreadableSecret)


def configured_keys(setting):
    """The Fernet objects for an ENCRYPTION_KEY setting ("key" or "new,old,..."); malformed keys
    are left out with a logged error, so a typo degrades to "needs reconnect", never a 500."""
    keys = []
    for text in (setting or "").split(","):
        text = text.strip()
        if not text:
            continue
        try:
            keys.append(Fernet(text.encode()))
        except (ValueError, TypeError):
            log.error("An ENCRYPTION_KEY entry is not a valid Fernet key (32 url-safe base64 "
                      "bytes); it is ignored.")
    return keys


def _multi_fernet(app=None):
    app = app or current_app
    setting = app.config.get("ENCRYPTION_KEY")
    cache = app.extensions.setdefault("backoffice_crypto", {})
    if cache.get("setting") != setting:
        keys = configured_keys(setting)
        cache.update(setting=setting, fernet=MultiFernet(keys) if keys else None)
    return cache["fernet"]


def encrypt(plain_text):
    fernet = _multi_fernet()
    if fernet is None:
        raise EncryptionKeyMissing("No valid ENCRYPTION_KEY is set, so secrets cannot be saved. "
                                   "Set ENCRYPTION_KEY (docs/security.md) and restart.")
    return fernet.encrypt(plain_text.encode()).decode()


def decrypt(cipher_text):
    """The plain text; raises DecryptionFailed when no configured key fits."""
    fernet = _multi_fernet()
    try:
        if fernet is None:
            raise InvalidToken
        return fernet.decrypt(cipher_text.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "A stored secret could not be decrypted: the ENCRYPTION_KEY setting differs "
            "from the one it was saved with.") from exc


class EncryptedText(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if is_unreadable(value):
            return value.cipher_text
        return encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return decrypt(value)
        except DecryptionFailed:
            return UnreadableSecret(value)


def encrypted_columns(metadata):
    """(table, [column names]) for every table with EncryptedText columns, host or plugin."""
    for table in metadata.sorted_tables:
        names = [column.name for column in table.columns if isinstance(column.type, EncryptedText)]
        if names:
            yield table, names


def rotate_all(db):
    """Re-encrypt every stored secret with the first configured key.

    Returns (re-encrypted, unreadable) counts. Values no key decrypts are left as they are
    (their companies show "needs reconnect").
    """
    fernet = _multi_fernet()
    if fernet is None:
        raise EncryptionKeyMissing("No valid ENCRYPTION_KEY is set; nothing can be re-encrypted.")
    rotated = unreadable = 0
    with db.engine.begin() as conn:
        for table, names in encrypted_columns(db.metadata):
            key = list(table.primary_key.columns)[0]
            # Raw text columns: read and write the cipher text, not the decrypted value.
            raw = [sa.type_coerce(table.c[name], Text).label(name) for name in names]
            for row in conn.execute(sa.select(key.label("_key"), *raw).select_from(table)):
                values = {}
                for name in names:
                    cipher_text = row._mapping[name]
                    if cipher_text is None:
                        continue
                    try:
                        values[name] = fernet.rotate(cipher_text.encode()).decode()
                        rotated += 1
                    except InvalidToken:
                        unreadable += 1
                if values:
                    conn.execute(sa.update(table).where(key == row._key).values(
                        **{name: sa.type_coerce(value, Text) for name, value in values.items()}))
    return rotated, unreadable


@click.command("rotate-encryption-key")
@with_appcontext
def rotate_encryption_key_command():
    """Re-encrypt every stored secret with the first key of ENCRYPTION_KEY ("new,old")."""
    from backoffice.db import db
    try:
        rotated, unreadable = rotate_all(db)
    except EncryptionKeyMissing as error:
        raise click.ClickException(str(error))
    from backoffice.audit import record_event
    record_event("rotate-key", "Encryption key", details={
        "re-encrypted": rotated, "unreadable": unreadable}, actor="cli")
    db.session.commit()
    click.echo(f"Re-encrypted {rotated} secret(s) with the first ENCRYPTION_KEY.")
    if unreadable:
        click.echo(f"{unreadable} secret(s) could not be decrypted with any configured key and "
                   "were left as they are: reconnect those companies.")
    else:
        click.echo("Every secret now uses the first key; the old keys can be removed.")
