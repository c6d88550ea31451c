"""`khet new-plugin ID`: write a new module in the canonical shape (docs/writing-a-module.md).

By default a third party's installable project ``khet-<id>/`` holding the
package ``khet_<id>/``; with ``--first-party`` the package ``plugins/<id>/`` in
Khet's own source, with its entry point added to Khet's pyproject.toml. Inside,
both are the same: hooks, permissions, settings, models, services, integrations,
views, forms, cli, demo, a first migration, a template, a catalog folder and
tests that pass. The files come from core/scaffold_template/templates/:
``module/`` is the package, ``project/`` the files around a third party's one.
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
MODULE_TEMPLATES = TEMPLATE_FOLDER / "module"
PROJECT_TEMPLATES = TEMPLATE_FOLDER / "project"
TOKEN = re.compile(r"__(PLUGIN_ID|PACKAGE_PATH|PACKAGE|DISTRIBUTION|NAME_TH|NAME_EN|REVISION|CREATED)__")
ENTRY_POINT_SECTION = '[project.entry-points."khet.plugins"]'

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
    first_party: bool = False

    @property
    def package(self) -> str:
        """The import name: ``khet_<id>`` for a third party, ``plugins.<id>`` inside Khet."""
        return f"plugins.{self.id}" if self.first_party else f"khet_{self.id}"

    @property
    def package_path(self) -> str:
        """The package's folder, relative to the project (or to Khet's source)."""
        return self.package.replace(".", "/")

    @property
    def distribution(self) -> str:
        return f"khet-{self.id.replace('_', '-')}"

    def tokens(self) -> dict[str, str]:
        return {
            "PLUGIN_ID": self.id,
            "PACKAGE": self.package,
            "PACKAGE_PATH": self.package_path,
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


def _write_tree(source_root: Path, target: Path, tokens: dict[str, str]) -> list[Path]:
    written = []
    for source in sorted(source_root.rglob(f"*{TEMPLATE_SUFFIX}")):
        relative = render(source.relative_to(source_root).as_posix(), tokens).removesuffix(TEMPLATE_SUFFIX)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(render(source.read_text(encoding="utf-8"), tokens), encoding="utf-8")
        written.append(destination)
    return written


def write_module(module: NewModule, parent: Path) -> tuple[Path, list[Path]]:
    """Write the project folder ``<parent>/khet-<id>`` (the package inside it); returns it and the files written."""
    target = parent / module.distribution
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty; choose another --path")
    tokens = module.tokens()
    written = _write_tree(PROJECT_TEMPLATES, target, tokens)
    written += _write_tree(MODULE_TEMPLATES, target / module.package_path, tokens)
    return target, written


def write_first_party_module(module: NewModule, khet_root: Path) -> tuple[Path, list[Path]]:
    """Write ``<khet_root>/plugins/<id>/`` and add its entry point to Khet's pyproject.toml."""
    pyproject = khet_root / "pyproject.toml"
    if not pyproject.is_file() or not (khet_root / "plugins").is_dir():
        raise ScaffoldError(f"{khet_root} is not Khet's source folder (no pyproject.toml and plugins/)")
    text = pyproject.read_text(encoding="utf-8")
    if ENTRY_POINT_SECTION not in text:
        raise ScaffoldError(f"{pyproject} has no {ENTRY_POINT_SECTION} section to add the module to")
    target = khet_root / module.package_path
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty")
    written = _write_tree(MODULE_TEMPLATES, target, module.tokens())
    pyproject.write_text(add_entry_point(text, module), encoding="utf-8")
    return target, written


def add_entry_point(pyproject_text: str, module: NewModule) -> str:
    """The pyproject text with ``<id> = "plugins.<id>"`` as the last line of the khet.plugins entry points."""
    lines = pyproject_text.split("\n")
    start = lines.index(ENTRY_POINT_SECTION)
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("["):
        end += 1
    lines.insert(end, f'{module.id} = "{module.package}"')
    return "\n".join(lines)


@click.command("new-plugin")
@click.argument("plugin_id")
@click.option(
    "--path", "parent", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder in which to create the project folder khet-<id> (default: here); with --first-party, Khet's "
         "source folder (default: the one this khet runs from).",
)
@click.option("--name-en", default=None, help='English name (default: from the id, "Field trips").')
@click.option("--name-th", default=None, help="Thai name, e.g. ทัศนศึกษา (default: the English name).")
@click.option("--first-party", is_flag=True,
              help="Create plugins/<id>/ inside Khet's source and add its entry point to Khet's pyproject.toml.")
def new_plugin_command(plugin_id, parent, name_en, name_th, first_party):
    """Start a new module in the canonical shape: a page, a permission, a setting, a model, a migration and tests."""
    problem = id_problem(plugin_id)
    name_en = name_en or plugin_id.replace("_", " ").capitalize()
    name_th = name_th or name_en
    problem = problem or name_problem(name_en) or name_problem(name_th)
    if problem:
        raise ScaffoldError(problem)
    module = NewModule(plugin_id, name_th.strip(), name_en.strip(), first_party=first_party)
    if first_party:
        khet_root = parent or Path(__file__).resolve().parent.parent
        target, written = write_first_party_module(module, khet_root)
        click.echo(f"Created the module {plugin_id!r} in {target} ({len(written)} files); its entry point is in "
                   f"{khet_root / 'pyproject.toml'}.")
        click.echo("Next steps:")
        click.echo("  make install                   # registers the new entry point")
    else:
        target, written = write_module(module, parent or Path("."))
        click.echo(f"Created the module {plugin_id!r} in {target} ({len(written)} files).")
        click.echo("Next steps:")
        click.echo(f"  {sys.executable} -m pip install -e {target}    # into Khet's virtualenv")
    click.echo(f"  khet db upgrade                # creates the table {plugin_id}_item")
    click.echo(f"  khet plugins enable {plugin_id}")
    tests = target / "tests" if first_party else target / module.package_path / "tests"
    click.echo(f"  {sys.executable} -m pytest {tests}")
    click.echo("Then read docs/writing-a-module.md in Khet's source.")
