"""Pages of notices, mounted at /notices/: one blueprint, its pages in one file per feature (here: one)."""

from __future__ import annotations

from pathlib import Path

from types import SimpleNamespace

from flask import Blueprint

from plugins.notices import PLUGIN_ID
from plugins.notices.permissions import POST, READ

# Rooted at the module's folder, not views/: templates/notices/ sits beside views/.
bp = Blueprint(PLUGIN_ID, __name__, root_path=str(Path(__file__).parent.parent), template_folder="templates")


@bp.context_processor
def _permission_codes():
    """The templates ask ``current_user.can(codes.POST)`` rather than spell the code."""
    return {"codes": SimpleNamespace(READ=READ, POST=POST)}


# The page files add their routes to ``bp`` as they are imported.
from plugins.notices.views import notices  # noqa: E402, F401
