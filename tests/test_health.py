"""GET /healthz: what a load balancer or monitor asks. 200 while the database answers, 503 when it does not."""

from __future__ import annotations

from core.app import create_app
from core.db import db


def test_healthz_answers_200_without_signing_in_while_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_cannot_be_reached(app, khet_app_config, tmp_path):
    """Nothing listens on port 1: the site must say "unavailable", not fail with a 500 error page."""
    unreachable = create_app(
        config={**khet_app_config, "DATABASE_URL": "postgresql://khet@127.0.0.1:1/khet"}, instance_path=tmp_path
    )

    response = unreachable.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    with unreachable.app_context():
        db.engine.dispose()
