"""The rules of notices: what counts as current, posting and withdrawing, finding.

This package is the module's public surface: the views, the CLI and the hooks
call these functions and catch NoticeError. Commands add and change rows and
flush; the caller (a view, ``khet demo``) commits, so a page that does two
things saves both or neither. No Flask request objects here.

    access    who sees which notices (SQL filters)
    notices   the commands and queries on notices
"""

from __future__ import annotations


class NoticeError(ValueError):
    """A notice cannot be posted or changed as asked; the message says why, in the reader's language."""


# The feature module imports the error above, so it comes last.
from plugins.notices.services.notices import current_notices, find, latest, post, withdraw  # noqa: E402

__all__ = ["NoticeError", "current_notices", "find", "latest", "post", "withdraw"]
