"""Flask extension objects shared by core and modules (bound in create_app)."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from core.db import db  # noqa: F401  (re-exported: modules import db from here or core.db)

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
