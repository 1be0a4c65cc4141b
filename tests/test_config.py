from __future__ import annotations

from pathlib import Path

import pytest

from statuspage.core.config import ConfigError, load_config


def test_defaults_use_sqlite_in_instance_and_keep_a_generated_secret(tmp_path: Path) -> None:
    first = load_config({}, tmp_path)
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'statuspage.sqlite3'}"
    assert len(first["SECRET_KEY"]) >= 32
    assert load_config({}, tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["REDIS_URL"] is None
    # Rate limits are shared by every process of the install: a SQLite file next to the data.
    storage = tmp_path.resolve() / "ratelimits.sqlite3"
    assert first["RATELIMIT_STORAGE_URI"] == f"sqlite:///{storage}"
    assert first["RATELIMIT_STRATEGY"] == "moving-window"
    assert first["TRUSTED_PROXY_HOPS"] == 0


def test_postgres_urls_are_normalised_to_psycopg(tmp_path: Path) -> None:
    config = load_config({"DATABASE_URL": "postgres://u@h:5432/db"}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/db"


def test_redis_url_moves_rate_limits_to_redis(tmp_path: Path) -> None:
    config = load_config({"REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"PUBLIC_BASE_URL": "status.example.com"}, "PUBLIC_BASE_URL"),
        ({"PAGE_TIME_ZONE": "Mars/Olympus"}, "PAGE_TIME_ZONE"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"RATELIMIT_STORAGE_URI": "mongodb://x"}, "RATELIMIT_STORAGE_URI"),
        ({"RATELIMIT_STORAGE_URI": "sqlite:///limits.db"}, "must name an absolute SQLite path"),
        ({"RATELIMIT_STRATEGY": "leaky-bucket"}, "RATELIMIT_STRATEGY must be one of"),
        ({"TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS must be at least 0"),
        ({"PRODUCTION": "true"}, "SECRET_KEY must be set"),
        ({"PRODUCTION": "maybe"}, "PRODUCTION must be true or false"),
        ({"CACHE_MAX_AGE": "soon"}, "CACHE_MAX_AGE must be a whole number"),
        ({"CACHE_CHECK_SECONDS": "-1"}, "CACHE_CHECK_SECONDS must not be negative"),
        ({"CONSOLE_REFRESH_SECONDS": "0"}, "CONSOLE_REFRESH_SECONDS must be at least 1"),
        ({"REDIS_URL": "http://127.0.0.1"}, "REDIS_URL"),
        ({"SENTRY_DSN": "sentry.example.com"}, "SENTRY_DSN must look like"),
        ({"SENTRY_DSN": "https://sentry.example.com/1"}, "SENTRY_DSN must look like"),
        ({"SENTRY_DSN": "https://key@sentry.example.com/"}, "SENTRY_DSN must look like"),
    ],
)
def test_bad_values_fail_with_the_variable_named(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env, tmp_path)


def test_page_time_zone_is_accepted(tmp_path: Path) -> None:
    assert load_config({"PAGE_TIME_ZONE": "Europe/Oslo"}, tmp_path)["PAGE_TIME_ZONE"] == (
        "Europe/Oslo"
    )


def test_processes_starting_together_agree_on_one_generated_secret(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_config({}, tmp_path)["SECRET_KEY"], range(32)))
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
