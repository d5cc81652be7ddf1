"""The production configuration refuses to start with a missing secret or the demo password."""
from __future__ import annotations

import pytest

from config import DEMO_PASSWORD, Config, ProductionConfig

STRONG_SECRET = "a-real-secret-from-the-environment-0123456789"


@pytest.mark.parametrize("secret, password, problems", [
    (None, DEMO_PASSWORD, ["SECRET_KEY", "ADMIN_PASSWORD"]),
    (None, None, ["SECRET_KEY", "ADMIN_PASSWORD"]),          # unset means the demo password
    (Config.SECRET_KEY, "Str0ng-and-private", ["SECRET_KEY"]),  # the development default
    (STRONG_SECRET, DEMO_PASSWORD, ["ADMIN_PASSWORD"]),
])
def test_production_refuses_to_start(monkeypatch, secret, password, problems):
    from app import create_app

    for name, value in (("SECRET_KEY", secret), ("ADMIN_PASSWORD", password)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError) as refused:
        create_app(ProductionConfig)

    message = str(refused.value)
    assert message.startswith("Refusing to start")
    for name in ("SECRET_KEY", "ADMIN_PASSWORD"):
        assert (name in message) == (name in problems), message


def test_production_settings_pass_with_a_secret_and_a_private_password(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("ADMIN_PASSWORD", "Str0ng-and-private")
    assert ProductionConfig.validate() == []
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_production_refuses_demo_data(app, monkeypatch):
    """Demo accounts share the demo password: a production configuration will not load them."""
    import click

    from app.demo.data import load_demo
    from config import ProductionConfig

    assert ProductionConfig.DEMO_DATA_ALLOWED is False
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", ProductionConfig.DEMO_DATA_ALLOWED)
    with app.app_context(), pytest.raises(click.ClickException) as refused:
        load_demo()
    assert "Demo12345" in refused.value.message


def test_production_starts_when_the_secrets_are_in_the_environment_before_import(monkeypatch):
    """As gunicorn and systemd do it: the environment is set first, then config.py is imported."""
    import importlib

    import config

    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("ADMIN_PASSWORD", "Str0ng-and-private")
    try:
        fresh = importlib.reload(config)
        assert fresh.ProductionConfig.validate() == []
        assert fresh.ProductionConfig.SECRET_KEY == STRONG_SECRET
        monkeypatch.setenv("SECRET_KEY", fresh.DEV_SECRET_KEY)
        assert any("SECRET_KEY" in p for p in importlib.reload(config).ProductionConfig.validate())
    finally:
        monkeypatch.undo()
        importlib.reload(config)
