"""`khet visitors ...` commands."""

from __future__ import annotations

import click


@click.command("sign-out-all")
def sign_out_all():
    """Sign out every visitor still in the office (run it when the office closes)."""
    from core.api import db, write_transaction
    from khet_visitors import services

    with write_transaction():
        count = services.sign_out_everyone()
        db.session.commit()
    click.echo(f"signed out {count} visitor(s)")


COMMANDS = [sign_out_all]
