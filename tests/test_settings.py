from core.db import db
from core.settings import get_settings, save_settings


def test_saved_values_overlay_the_defaults(app):
    assert get_settings("mail", defaults={"port": 25, "host": ""}) == {"port": 25, "host": ""}
    save_settings("mail", {"host": "smtp.example.go.th"})
    db.session.commit()
    assert get_settings("mail", defaults={"port": 25, "host": ""}) == {"port": 25, "host": "smtp.example.go.th"}
