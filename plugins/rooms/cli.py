"""`khet rooms ...` commands, for cron."""

from __future__ import annotations

import click

from plugins.rooms import PLUGIN_ID


@click.command("remind")
def remind():
    """Remind bookers of tomorrow's meetings (run it daily from cron)."""
    from core.api import is_enabled
    from plugins.rooms import services

    if not is_enabled(PLUGIN_ID):
        click.echo("the rooms module is switched off: no reminders sent")
        return
    click.echo(f"reminded {services.send_reminders()} booking(s)")


COMMANDS = [remind]
