"""Encryption at rest for client secrets and OAuth tokens.

`EncryptedText` is a column type: values are Fernet-encrypted with the application's
ENCRYPTION_KEY on the way in and decrypted on the way out, so the database file never holds
a secret in plain text.
"""
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy.types import Text, TypeDecorator


class DecryptionFailed(Exception):
    """The stored value was encrypted with another key (ENCRYPTION_KEY changed?)."""


def _fernet():
    return Fernet(current_app.config["ENCRYPTION_KEY"].encode())


def encrypt(plain_text):
    return _fernet().encrypt(plain_text.encode()).decode()


def decrypt(cipher_text):
    try:
        return _fernet().decrypt(cipher_text.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "A stored secret could not be decrypted: the ENCRYPTION_KEY setting differs "
            "from the one it was saved with.") from exc


class EncryptedText(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
