"""Configuration: defaults, environment, overrides, and a persisted secret key."""

from __future__ import annotations

from core.config import load_config


def test_defaults_use_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = load_config({"ENVCREDIT_INSTANCE": str(tmp_path / "inst")})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'envcredit.sqlite3'}"
    assert config["SEARCH_BACKEND"] == "sqlite"
    assert config["INDEX_DIR"] == str(tmp_path / "inst" / "index")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config({"ENVCREDIT_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"ENVCREDIT_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("BACKGROUND_CONSUMERS", "false")
    config = load_config({"ENVCREDIT_INSTANCE": str(tmp_path)})
    assert config["SEARCH_BACKEND"] == "postgres"
    assert config["BACKGROUND_CONSUMERS"] is False


def test_readiness_reports_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["migrations"]["current"] is True and body["migrations"]["head"]
    assert client.get("/healthz?detail=1").get_json()["database"] == "ok"


def test_readiness_is_503_when_database_is_unreachable_and_liveness_still_200(tmp_path):
    from wsgi import create_app

    app = create_app(
        {
            "ENVCREDIT_INSTANCE": str(tmp_path),
            "BACKGROUND_CONSUMERS": False,
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_every_page_message_has_an_english_translation():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "scripts/en_messages.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
