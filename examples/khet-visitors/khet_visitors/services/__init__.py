"""The rules of the visitor log: the module's public functions and its error.

Commands check first, then add or change rows and flush; the caller (a view, the CLI, ``khet demo``)
commits (views through core's ``saving()``). No Flask request objects here: views pass in what they read.

    access    who may see the log (SQL filters)
    visits    the day's log, arrivals, departures, who waits for whom
"""

from __future__ import annotations

from core.api import Refused


class VisitError(Refused):
    """A visit cannot be recorded as asked; the message says why, in the user's language.

    Messages are lazy: they are translated when shown, so the rules also run outside a request.
    """


# The feature modules import the error above, so they come last.
from khet_visitors.services.visits import (  # noqa: E402
    arrival_today, day_range, office_staff, record_arrival, record_departure, sign_out_everyone, today_counts,
    visits_on, waiting_for,
)

__all__ = [
    "VisitError", "arrival_today", "day_range", "office_staff", "record_arrival", "record_departure",
    "sign_out_everyone", "today_counts", "visits_on", "waiting_for",
]
