"""(being written) `khet new-plugin ID`."""

import click


@click.command("new-plugin")
@click.argument("plugin_id")
def new_plugin_command(plugin_id):
    """Scaffold a new module."""
    raise click.ClickException("not written yet")
