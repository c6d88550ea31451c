"""Keep the translation catalogs in step with the code: extract, update, compile, check.

Khet's messages are English; Thai is the default language, so every message
needs a Thai translation. Each component keeps its own catalog next to its
code, so a module carries its translations when it is installed elsewhere:

- core (``core/`` and ``themes/``) in ``core/translations/``
- each first-party module ``plugins/<id>/`` in ``plugins/<id>/translations/``

Which files hold messages, and the keywords that mark them, are in
``babel.cfg`` at the top of the source tree.

    python -m core.i18n_tools extract [component ...]   write messages.pot
    python -m core.i18n_tools update  [component ...]   merge it into th/LC_MESSAGES/messages.po
    python -m core.i18n_tools compile [component ...]   write messages.mo for Flask-Babel
    python -m core.i18n_tools check   [component ...]   list messages without a Thai translation

``check`` exits with status 1 when any message lacks a translation, so CI can run it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from core import __version__

SOURCE_ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = SOURCE_ROOT / "babel.cfg"
DOMAIN = "messages"
TARGET_LOCALE = "th"


@dataclass(frozen=True)
class Component:
    """A part of Khet with its own catalog: core, or one first-party module."""

    name: str
    source_folders: tuple[Path, ...]
    translations_folder: Path

    @property
    def template_path(self) -> Path:
        return self.translations_folder / f"{DOMAIN}.pot"

    def catalog_path(self, locale: str = TARGET_LOCALE) -> Path:
        return self.translations_folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"

    def compiled_path(self, locale: str = TARGET_LOCALE) -> Path:
        return self.translations_folder / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def components(root: Path = SOURCE_ROOT) -> list[Component]:
    """Core first, then every package under plugins/, by folder name (= module id)."""
    found = [Component("core", (root / "core", root / "themes"), root / "core" / "translations")]
    plugins = root / "plugins"
    if plugins.is_dir():
        for folder in sorted(plugins.iterdir()):
            if (folder / "__init__.py").is_file():
                found.append(Component(folder.name, (folder,), folder / "translations"))
    return found


def select_components(names: list[str], root: Path = SOURCE_ROOT) -> list[Component]:
    """The named components (all when no name is given); ValueError names the unknown ones."""
    every = components(root)
    if not names:
        return every
    by_name = {component.name: component for component in every}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValueError(f"unknown component(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[name] for name in names]


def read_mapping(path: Path = MAPPING_FILE):
    with path.open(encoding="utf-8") as fh:
        return parse_mapping_cfg(fh, str(path))


def extract(component: Component, root: Path = SOURCE_ROOT) -> Catalog:
    """Every message the component's code and templates mark for translation."""
    method_map, options_map = read_mapping()
    catalog = Catalog(project="Khet", version=__version__, charset="utf-8", fuzzy=False)
    for folder in component.source_folders:
        if not folder.is_dir():
            continue
        # keywords={}: only those babel.cfg names count, so the file is the one place to change them.
        for filename, lineno, message, comments, context in extract_from_dir(
            folder, method_map, options_map, keywords={}, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
        ):
            location = (folder / filename).resolve()
            try:
                shown = location.relative_to(root.resolve()).as_posix()
            except ValueError:
                shown = location.as_posix()
            catalog.add(message, None, [(shown, lineno)], auto_comments=comments, context=context)
    return catalog


def _write_po(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def _read_po(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def write_template(component: Component) -> Path:
    """Extract and write the component's messages.pot."""
    _write_po(component.template_path, extract(component))
    return component.template_path


def update_catalog(component: Component, locale: str = TARGET_LOCALE) -> Path:
    """Bring the locale's .po in line with the code: new messages added empty, changed ones marked fuzzy.

    Translations already made are kept; messages that left the code stay at the
    end as obsolete (#~) so a translator can reuse them.
    """
    template = extract(component)
    _write_po(component.template_path, template)
    path = component.catalog_path(locale)
    if path.exists():
        catalog = _read_po(path, locale)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project="Khet", version=__version__, charset="utf-8", fuzzy=False)
    catalog.update(template)
    _write_po(path, catalog)
    return path


def compile_catalog(component: Component, locale: str = TARGET_LOCALE) -> Path | None:
    """Write the .mo Flask-Babel reads; None when the component has no catalog for the locale.

    ValueError lists translations whose placeholders do not match their message
    (they would break the page at run time).
    """
    path = component.catalog_path(locale)
    if not path.exists():
        return None
    catalog = _read_po(path, locale)
    problems = [
        f"{component.name}: {_display(message)}: {'; '.join(str(error) for error in errors)}"
        for message, errors in catalog.check()
    ]
    if problems:
        raise ValueError("\n".join(problems))
    target = component.compiled_path(locale)
    with target.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    return target


def _is_translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return all(text and text.strip() for text in strings)


def _display(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def missing_translations(component: Component, locale: str = TARGET_LOCALE) -> list[str]:
    """Message ids in the code that the locale's catalog lacks, leaves empty or marks fuzzy.

    Compares with a fresh extraction, not with the .po on disk, so a catalog
    that was never updated after a code change cannot hide a missing message.
    """
    translated = _read_po(component.catalog_path(locale), locale) if component.catalog_path(locale).exists() else Catalog()
    missing = []
    for message in extract(component):
        if not message.id:  # the header
            continue
        if not _is_translated(translated.get(message.id, context=message.context)):
            missing.append(_display(message))
    return sorted(missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.i18n_tools", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("extract", "update", "compile", "check"))
    parser.add_argument("components", nargs="*", help="core and/or module ids; all when none is given")
    parser.add_argument("--locale", default=TARGET_LOCALE)
    args = parser.parse_args(argv)
    try:
        chosen = select_components(args.components)
    except ValueError as exc:
        parser.error(str(exc))
    status = 0
    for component in chosen:
        if args.command == "extract":
            print(f"{component.name}: wrote {write_template(component)}")
        elif args.command == "update":
            print(f"{component.name}: wrote {update_catalog(component, args.locale)}")
        elif args.command == "compile":
            try:
                target = compile_catalog(component, args.locale)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                status = 1
                continue
            print(f"{component.name}: " + (f"wrote {target}" if target else f"no {args.locale} catalog yet (run update)"))
        else:
            missing = missing_translations(component, args.locale)
            print(f"{component.name}: {len(missing)} message(s) without a {args.locale} translation")
            for msgid in missing:
                print(f"  {msgid}")
            status = status or (1 if missing else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
