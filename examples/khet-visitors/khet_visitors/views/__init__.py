"""The visitor log's pages, mounted at /visitors/: one blueprint, its pages in one file per feature."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from flask import Blueprint

from khet_visitors import PLUGIN_ID
from khet_visitors.permissions import RECORD, VIEW

# Rooted at the module's folder, not views/: templates/visitors/ sits beside views/.
bp = Blueprint(PLUGIN_ID, __name__, root_path=str(Path(__file__).parent.parent), template_folder="templates")


@bp.context_processor
def _permission_codes():
    """The templates ask ``current_user.can(codes.RECORD)`` rather than spell the code."""
    return {"codes": SimpleNamespace(VIEW=VIEW, RECORD=RECORD)}

# The page files add their routes to ``bp`` as they are imported.
from khet_visitors.views import visits  # noqa: E402, F401
