"""Shared services every module uses, so none writes them twice.

Each service is one module here with its models and a small API documented
for module authors in docs/services.md:

- ``numbers``        running numbers per series, scope and year (register numbers)
- ``booking``        reservations whose confirmed ones never overlap (rooms, vehicles)
- ``holidays``       the holiday table and working-day arithmetic
- ``approvals``      ordered approval steps, delegation-aware, with a timeline
- ``notifications``  in-app inbox, email, and channels added by modules
- ``audit``          the append-only record of who did what
- ``attachments``    uploads checked by content, stored outside the web root
- ``jobs``           scheduled jobs run by `khet jobs run` from cron, each run logged
"""

from core.services import approvals, attachments, audit, booking, holidays, jobs, links, notifications, numbers  # noqa: F401
