"""`khet correspondence ...` commands, for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from plugins.correspondence import PLUGIN_ID
from plugins.correspondence.services.tracking import DEFAULT_DAYS, MAX_DAYS, remind_all_overdue


@click.command("remind")
@click.option("--days", default=DEFAULT_DAYS, show_default=True, type=click.IntRange(1, MAX_DAYS),
              help="Remind recipients that have not received a letter this many days after it was sent.")
@with_appcontext
def remind_command(days: int) -> None:
    """Remind the recipients who have not received their letters (run it daily from cron); once a day at most."""
    from core.api import is_enabled

    if not is_enabled(PLUGIN_ID):
        click.echo("the correspondence module is switched off: no reminders sent")
        return
    result = remind_all_overdue(days)
    click.echo(f"reminded {result.reminded} recipient(s); {result.recently} reminded in the last 24 hours; "
               f"{result.nobody} with nobody to remind")


COMMANDS = [remind_command]  # khet correspondence remind --days 3, daily from cron
