"""Settings come from the environment, with typed helpers; secrets persist in instance/."""
import stat

import pytest
from cryptography.fernet import Fernet

from backoffice.settings import env_bool, env_int, env_list, env_str, load_settings, sqlite_url

ENVIRONMENT = ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEY", "PLUGINS",
               "EXTERNAL_URL", "EXACT_SANDBOX_URL", "DATABASE_STATEMENT_TIMEOUT",
               "SETTING_UNDER_TEST"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_env_str_treats_an_empty_value_as_unset(monkeypatch):
    monkeypatch.setenv("SETTING_UNDER_TEST", "")

    assert env_str("SETTING_UNDER_TEST", "fallback") == "fallback"


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("Yes", True),
                                             (" on ", True), ("0", False), ("false", False),
                                             ("no", False), ("off", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("SETTING_UNDER_TEST", value)

    assert env_bool("SETTING_UNDER_TEST") is expected


def test_env_bool_uses_the_default_when_unset():
    assert env_bool("SETTING_UNDER_TEST", default=True) is True


def test_env_int_reads_a_number(monkeypatch):
    monkeypatch.setenv("SETTING_UNDER_TEST", "42")

    assert env_int("SETTING_UNDER_TEST") == 42


def test_env_int_refuses_text_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("SETTING_UNDER_TEST", "forty-two")

    with pytest.raises(ValueError):
        env_int("SETTING_UNDER_TEST")


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("SETTING_UNDER_TEST", " exact_plugin, ,other_plugin ")

    assert env_list("SETTING_UNDER_TEST") == ["exact_plugin", "other_plugin"]


def test_env_list_none_means_an_empty_list(monkeypatch):
    monkeypatch.setenv("SETTING_UNDER_TEST", "none")

    assert env_list("SETTING_UNDER_TEST", ["default"]) == []


def test_env_list_uses_the_default_when_unset():
    assert env_list("SETTING_UNDER_TEST", ("a", "b")) == ["a", "b"]


def test_without_environment_the_app_uses_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings(tmp_path)

    assert settings["SQLALCHEMY_DATABASE_URI"] == sqlite_url(tmp_path)
    assert settings["REDIS_URL"] is None
    assert settings["PLUGINS"] == ["exact_plugin"]


def test_secrets_are_generated_into_the_instance_folder_on_first_run(tmp_path):
    settings = load_settings(tmp_path)

    for filename, key in [("secret_key", "SECRET_KEY"), ("encryption_key", "ENCRYPTION_KEY")]:
        path = tmp_path / filename
        assert path.read_text() == settings[key]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(settings["ENCRYPTION_KEY"].encode())  # a usable encryption key


def test_secrets_are_reused_on_the_next_run(tmp_path):
    first = load_settings(tmp_path)

    second = load_settings(tmp_path)

    assert (second["SECRET_KEY"], second["ENCRYPTION_KEY"]) == \
        (first["SECRET_KEY"], first["ENCRYPTION_KEY"])


def test_secrets_from_the_environment_win_and_nothing_is_written(clean_environment, tmp_path):
    key = Fernet.generate_key().decode()
    clean_environment.setenv("SECRET_KEY", "from-the-environment")
    clean_environment.setenv("ENCRYPTION_KEY", key)

    settings = load_settings(tmp_path)

    assert (settings["SECRET_KEY"], settings["ENCRYPTION_KEY"]) == ("from-the-environment", key)
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "encryption_key").exists()


def test_database_and_redis_come_from_the_environment(clean_environment, tmp_path):
    clean_environment.setenv("DATABASE_URL", "postgresql+psycopg://db.example/backoffice")
    clean_environment.setenv("REDIS_URL", "redis://cache.example:6379/2")
    clean_environment.setenv("PLUGINS", "none")

    settings = load_settings(tmp_path)

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/backoffice"
    assert settings["REDIS_URL"] == "redis://cache.example:6379/2"
    assert settings["PLUGINS"] == []


def test_statement_timeout_is_30_seconds_unless_the_environment_says_otherwise(clean_environment,
                                                                               tmp_path):
    assert load_settings(tmp_path)["DATABASE_STATEMENT_TIMEOUT"] == "30"
    clean_environment.setenv("DATABASE_STATEMENT_TIMEOUT", "5")

    assert load_settings(tmp_path)["DATABASE_STATEMENT_TIMEOUT"] == "5"
