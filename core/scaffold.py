"""`khet new-plugin ID`: write a new module as its own installable project, in the standard shape.

The project works as written: a page listing records with a form to add one,
a permission, a menu item, a model with its first migration, a template, and
tests that pass. The files come from core/scaffold_template/templates/.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import click

TEMPLATE_FOLDER = Path(__file__).parent / "scaffold_template" / "templates"
TEMPLATE_SUFFIX = ".tmpl"
TOKEN = re.compile(r"__(PLUGIN_ID|PACKAGE|DISTRIBUTION|NAME_TH|NAME_EN|REVISION|CREATED)__")

# Lowercase words joined by single underscores: "rooms", "field_trips".
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Table, index and constraint names grow from the id; PostgreSQL cuts names at 63 characters.
MAX_ID_LENGTH = 24


class ScaffoldError(click.ClickException):
    """The module cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class NewModule:
    id: str
    name_th: str
    name_en: str

    @property
    def package(self) -> str:
        return f"khet_{self.id}"

    @property
    def distribution(self) -> str:
        return f"khet-{self.id.replace('_', '-')}"

    def tokens(self) -> dict[str, str]:
        return {
            "PLUGIN_ID": self.id,
            "PACKAGE": self.package,
            "DISTRIBUTION": self.distribution,
            "NAME_TH": self.name_th,
            "NAME_EN": self.name_en,
            "REVISION": uuid.uuid4().hex[:12],
            "CREATED": dt.date.today().isoformat(),
        }


def installed_module_ids() -> set[str]:
    """Ids taken already: core and every module installed in this Python."""
    from core.plugins import CORE_ID, discover_entry_points

    return {CORE_ID} | {entry_point.name for entry_point in discover_entry_points()}


def core_url_segments() -> set[str]:
    """First path segments core's own pages use (/admin, /login ...): a module mounted there would shadow them."""
    from flask import Flask

    from core import builtin

    probe = Flask("khet_scaffold_probe")
    for blueprint in builtin.blueprints():
        probe.register_blueprint(blueprint)
    return {rule.rule.strip("/").split("/")[0] for rule in probe.url_map.iter_rules()} - {""}


def id_problem(plugin_id: str) -> str | None:
    """Why ``plugin_id`` cannot be a new module's id, or None when it can."""
    if not ID_PATTERN.match(plugin_id):
        return (
            f"{plugin_id!r} is not a module id: use lowercase letters and digits, words joined by one underscore,"
            " starting with a letter (e.g. field_trips)"
        )
    if len(plugin_id) > MAX_ID_LENGTH:
        return f"{plugin_id!r} is longer than {MAX_ID_LENGTH} characters; table names grow from it"
    taken = installed_module_ids()
    if plugin_id in taken:
        return f"a module with the id {plugin_id!r} is installed already"
    for other in sorted(taken):
        if plugin_id.startswith(f"{other}_") or other.startswith(f"{plugin_id}_"):
            return f"the id {plugin_id!r} overlaps the installed module {other!r}: their table prefixes would clash"
    if plugin_id in core_url_segments():
        return f"/{plugin_id}/ is taken by Khet's own pages; choose another id"
    if importlib.util.find_spec(f"khet_{plugin_id}") is not None:
        return f"a Python package called khet_{plugin_id} is installed already"
    return None


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "a module name cannot be empty"
    if any(character in name for character in '"\\\n\r') or "__" in name:
        return f"{name!r}: a module name cannot contain quotes, backslashes, line breaks or double underscores"
    return None


def render(text: str, tokens: dict[str, str]) -> str:
    """Replace every __TOKEN__ in one pass, so a value is never read as a token itself."""
    return TOKEN.sub(lambda match: tokens[match.group(1)], text)


def write_module(module: NewModule, parent: Path) -> tuple[Path, list[Path]]:
    """Write the project folder ``<parent>/khet-<id>``; returns it and the files written."""
    target = parent / module.distribution
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty; choose another --path")
    tokens = module.tokens()
    written = []
    for source in sorted(TEMPLATE_FOLDER.rglob(f"*{TEMPLATE_SUFFIX}")):
        relative = render(source.relative_to(TEMPLATE_FOLDER).as_posix(), tokens).removesuffix(TEMPLATE_SUFFIX)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(render(source.read_text(encoding="utf-8"), tokens), encoding="utf-8")
        written.append(destination)
    return target, written


@click.command("new-plugin")
@click.argument("plugin_id")
@click.option(
    "--path", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="Folder in which to create the project folder khet-<id>.",
)
@click.option("--name-en", default=None, help='English name (default: from the id, "Field trips").')
@click.option("--name-th", default=None, help="Thai name, e.g. ทัศนศึกษา (default: the English name).")
def new_plugin_command(plugin_id, parent, name_en, name_th):
    """Start a new module: an installable project with a page, a permission, a model, a migration and tests."""
    problem = id_problem(plugin_id)
    name_en = name_en or plugin_id.replace("_", " ").capitalize()
    name_th = name_th or name_en
    problem = problem or name_problem(name_en) or name_problem(name_th)
    if problem:
        raise ScaffoldError(problem)
    module = NewModule(plugin_id, name_th.strip(), name_en.strip())
    target, written = write_module(module, parent)
    click.echo(f"Created the module {plugin_id!r} in {target} ({len(written)} files).")
    click.echo("Next steps:")
    click.echo(f"  {sys.executable} -m pip install -e {target}    # into Khet's virtualenv")
    click.echo(f"  khet db upgrade                # creates the table {plugin_id}_item")
    click.echo(f"  khet plugins enable {plugin_id}")
    click.echo(f"  {sys.executable} -m pytest {target / 'tests'}")
    click.echo("Then read docs/writing-a-module.md in Khet's source.")
