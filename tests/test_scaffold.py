"""`khet new-plugin`: the project it writes installs, speaks Thai from its own catalog, and passes its own tests.

The generated project is made importable the way ``pip install -e`` of old did
it (an egg-info with the entry point, next to the package on PYTHONPATH), so
the test needs neither the network nor a build backend; its tests then run in
a separate pytest process against the same Khet source as this one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

import core
from core.scaffold import TOKEN, new_plugin_command

KHET_SOURCE = Path(core.__file__).resolve().parent.parent
PYBABEL = Path(sys.executable).parent / "pybabel"

THAI_PAGE_TEST = '''
import pytest

pytestmark = pytest.mark.khet_plugins("field_trips")


def test_the_page_speaks_thai_from_the_modules_own_catalog(login_as, make_person, grant):
    person = make_person()
    grant("field_trips.use", to=person)
    page = login_as(person).get("/field_trips/").get_data(as_text=True)
    assert '<h1 class="h4">ทัศนศึกษา</h1>' in page
'''


def scaffold(*args: str):
    return CliRunner().invoke(new_plugin_command, list(args))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, str]:
    """The project `khet new-plugin field_trips` writes, and what the command printed."""
    parent = tmp_path_factory.mktemp("scaffold")
    result = scaffold("field_trips", "--path", str(parent), "--name-th", "ทัศนศึกษา")
    assert result.exit_code == 0, result.output
    return parent / "khet-field-trips", result.output


def run(command: list, cwd: Path, **extra_env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **extra_env}
    environment.pop("KHET_INSTANCE_PATH", None)
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def add_thai_translation(project: Path, message: str, translation: str) -> None:
    """What docs/i18n.md tells an author to do: extract, init the th catalog, translate, compile."""
    folder = project / "khet_field_trips" / "translations"
    run([PYBABEL, "extract", "-F", "babel.cfg", "-o", folder / "messages.pot", "."], project)
    run([PYBABEL, "init", "-i", folder / "messages.pot", "-d", folder, "-l", "th"], project)
    po_path = folder / "th" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="th")
    assert message in catalog, f"pybabel did not extract {message!r}"
    catalog[message].string = translation
    with po_path.open("wb") as fh:
        write_po(fh, catalog)
    run([PYBABEL, "compile", "-d", folder], project)


@pytest.fixture(scope="module")
def generated_test_results(generated, tmp_path_factory) -> dict[str, str]:
    """Install the project in place, add a Thai catalog and one more test, run its tests: test name -> outcome."""
    project, _output = generated
    run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "egg_info"], project)
    add_thai_translation(project, "Field trips", "ทัศนศึกษา")
    (project / "khet_field_trips" / "tests" / "test_thai.py").write_text(THAI_PAGE_TEST, encoding="utf-8")
    report = tmp_path_factory.mktemp("scaffold-report") / "junit.xml"
    done = run(
        [sys.executable, "-m", "pytest", "khet_field_trips/tests", f"--junitxml={report}"], project,
        PYTHONPATH=os.pathsep.join([str(project), str(KHET_SOURCE)]),
    )
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = "failed" if failed else ("skipped" if case.find("skipped") is not None else "passed")
    assert outcomes, done.stdout + done.stderr
    outcomes["_output"] = done.stdout + done.stderr
    return outcomes


def files_of(project: Path) -> set[str]:
    return {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}


MODULE_FILES = {
    "__init__.py", "README.md", "permissions.py", "settings.py", "models.py",
    "services/__init__.py", "services/access.py", "services/items.py", "integrations.py",
    "views/__init__.py", "views/items.py", "forms.py", "cli.py", "demo.py",
    "templates/field_trips/index.html", "translations/README.md",
    "tests/__init__.py", "tests/conftest.py", "tests/test_field_trips.py",
}


def test_the_project_has_the_canonical_module_shape(generated):
    project, _output = generated
    files = files_of(project)
    migrations = [name for name in files if name.startswith("khet_field_trips/migrations/")]
    assert len(migrations) == 1 and migrations[0].endswith("_field_trips_tables.py")
    assert files - set(migrations) == {"pyproject.toml", "README.md", "babel.cfg"} | {
        f"khet_field_trips/{name}" for name in MODULE_FILES}


def test_every_token_is_replaced_and_every_python_file_compiles(generated):
    project, _output = generated
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not TOKEN.search(text), f"{path} still has a template token"
            if path.suffix == ".py":
                compile(text, str(path), "exec")  # a SyntaxError fails the test
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points."khet.plugins"]\nfield_trips = "khet_field_trips"' in pyproject
    assert 'name_th="ทัศนศึกษา"' in (project / "khet_field_trips" / "__init__.py").read_text(encoding="utf-8")


def test_next_steps_are_printed(generated):
    project, output = generated
    assert f"pip install -e {project}" in output
    assert "khet db upgrade" in output and "khet plugins enable field_trips" in output


def test_the_generated_tests_pass(generated_test_results):
    own = {name: outcome for name, outcome in generated_test_results.items()
           if name not in ("_output", "test_the_page_speaks_thai_from_the_modules_own_catalog")}
    assert len(own) == 10, generated_test_results["_output"]
    assert set(own.values()) == {"passed"}, generated_test_results["_output"]


def test_the_modules_own_thai_catalog_is_used(generated_test_results):
    outcome = generated_test_results.get("test_the_page_speaks_thai_from_the_modules_own_catalog")
    assert outcome == "passed", generated_test_results["_output"]


def test_the_package_ships_its_templates_migrations_and_catalog(generated, generated_test_results):
    project, _output = generated
    shipped = set((project / "khet_field_trips.egg-info" / "SOURCES.txt").read_text(encoding="utf-8").split())
    assert "khet_field_trips/templates/field_trips/index.html" in shipped
    assert any(name.startswith("khet_field_trips/migrations/") for name in shipped)
    assert "khet_field_trips/translations/README.md" in shipped
    assert "khet_field_trips/README.md" in shipped


@pytest.mark.parametrize(
    "plugin_id, reason",
    [
        ("Rooms", "is not a module id"),
        ("field-trips", "is not a module id"),
        ("2rooms", "is not a module id"),
        ("field__trips", "is not a module id"),
        ("rooms_", "is not a module id"),
        ("a_very_long_module_name_indeed", "longer than 24 characters"),
        ("core", "installed already"),
        ("notices", "installed already"),
        ("notices_archive", "overlaps the installed module 'notices'"),
        ("admin", "taken by Khet's own pages"),
        ("login", "taken by Khet's own pages"),
    ],
)
def test_a_bad_or_taken_id_is_refused_and_nothing_is_written(tmp_path, plugin_id, reason):
    result = scaffold(plugin_id, "--path", str(tmp_path))
    assert result.exit_code != 0
    assert reason in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_name_that_would_break_the_code_is_refused(tmp_path):
    result = scaffold("field_trips", "--path", str(tmp_path), "--name-en", 'Say "hi"')
    assert result.exit_code != 0 and "cannot contain quotes" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_project_folder_is_left_alone(tmp_path):
    existing = tmp_path / "khet-field-trips"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine", encoding="utf-8")
    result = scaffold("field_trips", "--path", str(tmp_path))
    assert result.exit_code != 0 and "exists and is not empty" in result.output
    assert files_of(existing) == {"notes.txt"}


def fake_khet_source(folder: Path) -> Path:
    """A folder shaped like Khet's source: a pyproject.toml with the khet.plugins entry points, and plugins/."""
    (folder / "plugins").mkdir()
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "khet"\n\n[project.entry-points."khet.plugins"]\nnotices = "plugins.notices"\n'
        'rooms = "plugins.rooms"\n\n[project.entry-points.pytest11]\nkhet = "core.testing"\n', encoding="utf-8")
    return folder


def test_first_party_writes_plugins_id_in_the_same_shape_and_adds_the_entry_point(tmp_path):
    root = fake_khet_source(tmp_path)
    result = scaffold("field_trips", "--first-party", "--path", str(root), "--name-th", "ทัศนศึกษา")
    assert result.exit_code == 0, result.output
    package = root / "plugins" / "field_trips"
    files = files_of(package)
    migrations = [name for name in files if name.startswith("migrations/")]
    assert len(migrations) == 1 and files - set(migrations) == MODULE_FILES
    assert not (root / "plugins" / "field_trips" / "pyproject.toml").exists()
    init = (package / "__init__.py").read_text(encoding="utf-8")
    assert "from plugins.field_trips import permissions as permission_codes" in init
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not TOKEN.search(text) and "khet_field_trips" not in text, path
        compile(text, str(path), "exec")
    assert (root / "pyproject.toml").read_text(encoding="utf-8").split("\n")[3:7] == [
        '[project.entry-points."khet.plugins"]', 'notices = "plugins.notices"', 'rooms = "plugins.rooms"',
        'field_trips = "plugins.field_trips"']
    assert "make install" in result.output


def test_first_party_outside_khets_source_is_refused_and_nothing_is_written(tmp_path):
    result = scaffold("field_trips", "--first-party", "--path", str(tmp_path))
    assert result.exit_code != 0 and "is not Khet's source folder" in result.output
    assert list(tmp_path.iterdir()) == []
