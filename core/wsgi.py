"""The WSGI application for gunicorn: ``gunicorn "core.wsgi:app"`` (configured by instance/config.toml and KHET_*)."""

from core.app import create_app, settle_for_serving

app = create_app()
settle_for_serving()
