"""Admin pages. One blueprint, mounted at /admin/, split into one file per subject."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from core.views.admin import modules, office  # noqa: E402,F401  (routes register on import)
from core.views.admin import holidays  # noqa: E402,F401
from core.views.admin import audit, mail  # noqa: E402,F401
from core.views.admin import module_settings, org, people, roles  # noqa: E402,F401
