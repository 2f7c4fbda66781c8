from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import SettingsError, hide_password, load_settings


def test_defaults_use_sqlite_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "data")
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'data' / 's2b.db').resolve()}"
    assert settings.is_sqlite
    assert (tmp_path / "data").is_dir()


def test_env_prefix_and_postgres_url_normalised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_DATABASE_URL", "postgres://u:p@127.0.0.1:5432/s2b")
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@127.0.0.1:5432/s2b"
    assert not settings.is_sqlite


def test_wrong_database_url_says_how_to_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_DATABASE_URL", "mysql://root@localhost/s2b")
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert "S2B_DATABASE_URL" in message
    assert "postgresql+psycopg://" in message


def test_wrong_number_and_url_fail_fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_PORT", "eighty")
    monkeypatch.setenv("S2B_QDRANT_URL", "localhost:6333")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "S2B_PORT" in str(error.value)
    assert "S2B_QDRANT_URL" in str(error.value)
    assert "http://" in str(error.value)


def test_unwritable_home_names_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SettingsError, match="S2B_HOME"):
        load_settings(home=blocker / "sub")


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"S2B_HOME={tmp_path / 'from-dotenv'}\nS2B_PORT=9001\n")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.home == tmp_path / "from-dotenv"


def test_a_wrong_database_url_is_echoed_without_its_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_DATABASE_URL", "mysql://root:Sekr1t@localhost/s2b")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "(got 'mysql://root:***@localhost/s2b')" in str(error.value) and "Sekr1t" not in str(error.value)


def test_the_shown_database_url_hides_only_the_password(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, database_url="postgresql+psycopg://u:p%40ss@db.internal:5432/s2b")
    assert settings.shown_database_url == "postgresql+psycopg://u:***@db.internal:5432/s2b"
    assert load_settings(home=tmp_path).shown_database_url == load_settings(home=tmp_path).resolved_database_url
    assert hide_password("postgresql+psycopg://u@db/s2b") == "postgresql+psycopg://u@db/s2b"  # no password
