"""Shared services every module uses, so none writes them twice.

Each service is one module here with its models and a small API documented
for module authors in docs/services/ (one page each):

- ``numbers``        running numbers per series, scope and year (register numbers)
- ``booking``        reservations whose confirmed ones never overlap (rooms, vehicles)
- ``holidays``       the holiday table and working-day arithmetic
- ``approvals``      ordered approval steps, delegation-aware, with a timeline
- ``notifications``  in-app inbox, email, and channels added by modules
- ``audit``          the append-only record of who did what
- ``attachments``    uploads checked by content, stored outside the web root
- ``locking``        named locks and lock-or-create rows, held until the transaction ends
- ``jobs``           scheduled jobs run by `khet jobs run` from cron, each run logged
- ``links``          links between records of different modules, asked through core
"""

from core.services import (  # noqa: F401
    approvals, attachments, audit, booking, holidays, jobs, links, locking, notifications, numbers,
)
