"""Every module has the canonical shape of docs/writing-a-module.md: the real ones, and one `khet new-plugin` writes.

The checks read the files (and the syntax trees of the Python ones), so a
generated project is checked without installing it. What they hold a module to:

- the files and folders of the shape exist (settings.py, cli.py, demo.py and
  integrations.py exactly when the hooks that use them are implemented);
- ``PLUGIN_ID`` is written once, in ``__init__.py``, and nowhere else spells the id;
- ``__init__.py`` holds only hook implementations (and imports, and PLUGIN_ID);
- templates sit under ``templates/<id>/``;
- permission codes are constants of ``permissions.py``: no rule, page or menu
  spells one (``require("rooms.book")``) and no template asks ``can("rooms.book")``;
- no module imports another module;
- services hold no Flask request objects; tables start with ``<id>_``.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from core import hookspecs
from core.plugins import discover_entry_points
from core.scaffold import new_plugin_command

# Every installed module: Khet's own, the example, and any a developer installed to check theirs.
REAL_MODULES = tuple(sorted(entry_point.name for entry_point in discover_entry_points()))
HOOK_NAMES = {name for name in dir(hookspecs) if not name.startswith("_")
              and callable(getattr(hookspecs, name)) and hasattr(getattr(hookspecs, name), "khet_spec")}
# Calls and keywords through which a permission code is asked for or given.
PERMISSION_CALLS = {"require", "can", "has_permission", "permission_scope", "grant", "_grant", "Permission"}
PERMISSION_KEYWORDS = {"permission", "decide_permission"}
REQUEST_OBJECTS = {("flask", "request"), ("flask", "session"), ("flask", "g"), ("flask_login", "current_user"),
                   ("flask", "flash"), ("flask", "render_template")}
# Hooks whose implementation lives in a file of its own, and that file.
HOOK_FILES = {"settings_form": "settings.py", "cli_commands": "cli.py", "demo_data": "demo.py"}


@dataclass(frozen=True)
class Module:
    id: str
    package: str  # import name: plugins.rooms, khet_visitors
    folder: Path

    def python_files(self, *, tests: bool = False) -> list[Path]:
        found = []
        for path in sorted(self.folder.rglob("*.py")):
            relative = path.relative_to(self.folder).parts
            if relative[0] == "migrations" or (relative[0] == "tests" and not tests):
                continue
            found.append(path)
        return found

    def tree(self, relative: str) -> ast.Module:
        return ast.parse((self.folder / relative).read_text(encoding="utf-8"))


def test_khets_own_modules_and_the_example_are_among_those_checked():
    assert {"notices", "rooms", "correspondence", "visitors"} <= set(REAL_MODULES)


def installed(plugin_id: str) -> Module:
    entry_point = next(e for e in discover_entry_points() if e.name == plugin_id)
    package = importlib.import_module(entry_point.value)
    return Module(plugin_id, entry_point.value, Path(package.__file__).parent)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Module:
    """A third party's module as `khet new-plugin` writes it today."""
    parent = tmp_path_factory.mktemp("shape")
    result = CliRunner().invoke(new_plugin_command, ["shape_probe", "--path", str(parent)])
    assert result.exit_code == 0, result.output
    return Module("shape_probe", "khet_shape_probe", parent / "khet-shape-probe" / "khet_shape_probe")


@pytest.fixture(scope="module")
def generated_first_party(tmp_path_factory) -> Module:
    """A first-party module as `khet new-plugin --first-party` writes it into (a copy of the top of) Khet's source."""
    root = tmp_path_factory.mktemp("shape-first-party")
    (root / "plugins").mkdir()
    (root / "pyproject.toml").write_text('[project.entry-points."khet.plugins"]\nnotices = "plugins.notices"\n',
                                         encoding="utf-8")
    result = CliRunner().invoke(new_plugin_command, ["shape_probe", "--first-party", "--path", str(root)])
    assert result.exit_code == 0, result.output
    return Module("shape_probe", "plugins.shape_probe", root / "plugins" / "shape_probe")


@pytest.fixture(params=[*REAL_MODULES, "new-plugin", "new-plugin --first-party"])
def module(request) -> Module:
    if request.param == "new-plugin":
        return request.getfixturevalue("generated")
    if request.param == "new-plugin --first-party":
        return request.getfixturevalue("generated_first_party")
    return installed(request.param)


def hook_functions(module: Module) -> dict[str, ast.FunctionDef]:
    """The hook implementations of __init__.py, by the hook they implement."""
    found = {}
    for node in module.tree("__init__.py").body:
        if isinstance(node, ast.FunctionDef) and any(_is_hookimpl(d) for d in node.decorator_list):
            found[_specname(node) or node.name] = node
    return found


def _is_hookimpl(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "hookimpl"


def _specname(node: ast.FunctionDef) -> str | None:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "specname" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return None


def permission_codes(module: Module) -> set[str]:
    """The codes permissions.py declares: its UPPERCASE constants written f"{PLUGIN_ID}.<code>"."""
    codes = set()
    for node in module.tree("permissions.py").body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id.isupper() and isinstance(node.value, ast.JoinedStr):
            parts = node.value.values
            if len(parts) == 2 and isinstance(parts[0], ast.FormattedValue) and isinstance(parts[0].value, ast.Name) \
                    and parts[0].value.id == "PLUGIN_ID" and isinstance(parts[1], ast.Constant):
                codes.add(f"{module.id}{parts[1].value}")
    return codes


# --- the files ----------------------------------------------------------------------------------------------


def test_the_files_and_folders_of_the_shape_exist(module):
    folder = module.folder
    for name in ("__init__.py", "README.md", "permissions.py", "models.py", "services/__init__.py",
                 "services/access.py", "views/__init__.py", "tests/conftest.py"):
        assert (folder / name).is_file(), f"{module.id}: {name} is missing"
    assert (folder / "forms.py").is_file() or (folder / "forms" / "__init__.py").is_file(), f"{module.id}: no forms"
    assert not (folder / "services.py").exists() and not (folder / "views.py").exists(), \
        f"{module.id}: services and views are packages"
    assert list((folder / "migrations").glob("*.py")), f"{module.id}: no migration"
    assert (folder / "templates" / module.id).is_dir(), f"{module.id}: no templates/{module.id}/"
    assert (folder / "translations").is_dir(), f"{module.id}: no translations/"
    assert list((folder / "tests").glob("test_*.py")), f"{module.id}: no tests/test_<feature>.py"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for heading in ("## Rules", "## Permissions", "## Scheduled jobs"):
        assert f"\n{heading}\n" in readme, f"{module.id}: README.md has no {heading!r} section"


def test_files_for_hooks_exist_exactly_when_the_hook_is_implemented(module):
    hooks = hook_functions(module)
    for hook, filename in HOOK_FILES.items():
        assert (hook in hooks) == (module.folder / filename).is_file(), \
            f"{module.id}: {filename} goes with the {hook} hook (one without the other)"
    if {"search", "dashboard_cards"} & set(hooks):
        assert (module.folder / "integrations.py").is_file(), f"{module.id}: search and cards are built in integrations.py"


def test_plugin_id_is_written_once_in_init_and_nowhere_else_spells_the_id(module):
    assignments = [node for node in module.tree("__init__.py").body if isinstance(node, ast.Assign)
                   and any(isinstance(t, ast.Name) and t.id == "PLUGIN_ID" for t in node.targets)]
    assert len(assignments) == 1, f"{module.id}: PLUGIN_ID must be assigned once in __init__.py"
    assert isinstance(assignments[0].value, ast.Constant) and assignments[0].value.value == module.id
    for path in module.python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A dict key is a name in a template's context ({"notices": [...]}), not the id.
        keys = {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
        spelled = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value == module.id
                   and id(node) not in keys]
        if path.name == "__init__.py" and path.parent == module.folder:
            spelled = [line for line in spelled if line != assignments[0].lineno]
        assert not spelled, f"{path}:{spelled}: spells the module id; use PLUGIN_ID"
        if path != module.folder / "__init__.py":
            assert not any(isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "PLUGIN_ID" for t in node.targets) for node in ast.walk(tree)), \
                f"{path}: assigns PLUGIN_ID again; import it"


def test_init_holds_only_hook_implementations(module):
    tree = module.tree("__init__.py")
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PLUGIN_ID"]:
            continue
        assert isinstance(node, ast.FunctionDef), f"{module.id}: __init__.py line {node.lineno} is not a hook"
        assert any(_is_hookimpl(d) for d in node.decorator_list), \
            f"{module.id}: {node.name}() in __init__.py is not a hook implementation; move it out"
        assert (_specname(node) or node.name) in HOOK_NAMES, f"{module.id}: {node.name}() implements no hook"


def test_no_module_names_the_migrations_folder_core_already_defaults_to(module):
    """Core reads <package>/migrations/ when the hook is absent: implementing it only to say so is a copy."""
    hook = hook_functions(module).get("migrations_folder")
    assert hook is None, f"{module.id}: drop the migrations_folder hook; core defaults to {module.folder / 'migrations'}"


def test_templates_live_under_templates_named_after_the_module(module):
    for path in module.folder.rglob("*.html"):
        relative = path.relative_to(module.folder).parts
        assert relative[:2] == ("templates", module.id), f"{path}: templates belong under templates/{module.id}/"


# --- permissions ----------------------------------------------------------------------------------------------


def test_permission_codes_are_constants_of_permissions_py_and_nothing_spells_one(module):
    codes = permission_codes(module)
    assert codes, f"{module.id}: permissions.py declares no code as f\"{{PLUGIN_ID}}.<code>\""
    for path in module.python_files():
        if path == module.folder / "permissions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            spelled = []
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in PERMISSION_CALLS:
                    spelled += [a for a in ast.walk(node) if isinstance(a, ast.Constant) and a.value in codes]
                spelled += [k.value for k in node.keywords if k.arg in PERMISSION_KEYWORDS
                            and isinstance(k.value, ast.Constant) and k.value.value in codes]
            assert not spelled, f"{path}:{node.lineno}: spells a permission code; import it from permissions.py"
    asking = re.compile(r"""can\(\s*["'](%s)["']""" % "|".join(re.escape(code) for code in codes))
    for path in (module.folder / "templates").rglob("*.html"):
        assert not asking.search(path.read_text(encoding="utf-8")), f"{path}: asks can() with a spelled code"


def test_the_permissions_hook_declares_exactly_the_constants(module):
    if module.id not in REAL_MODULES:
        pytest.skip("a generated project is not installed: its hook cannot be called here")
    declared = importlib.import_module(f"{module.package}.permissions").declared()
    assert {permission.code for permission in declared} == permission_codes(module)


def test_the_package_attribute_permissions_is_the_hook_not_the_submodule(module):
    """Importing permissions.py after __init__ ran would otherwise hide the hook (core reads the attribute)."""
    if module.id not in REAL_MODULES:
        pytest.skip("a generated project is not installed")
    package = importlib.import_module(module.package)
    importlib.import_module(f"{module.package}.permissions")
    importlib.import_module(f"{module.package}.services")
    assert callable(package.permissions) and not isinstance(package.permissions, type(package))
    for path in module.python_files(tests=True):
        text = path.read_text(encoding="utf-8")
        assert f"from {module.package} import permissions\n" not in text, \
            f"{path}: imports the permissions hook, not the codes; import the codes by name"


# --- boundaries ----------------------------------------------------------------------------------------------


def other_module_packages(module: Module) -> set[str]:
    packages = {entry_point.value for entry_point in discover_entry_points()} | {"plugins"}
    return {p for p in packages if p != module.package and not module.package.startswith(f"{p}.")}


def test_no_module_imports_another_module(module):
    others = other_module_packages(module)
    own = module.package
    for path in module.python_files(tests=True):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name == own or name.startswith(f"{own}."):
                    continue
                assert not any(name == other or name.startswith(f"{other}.") for other in others), \
                    f"{path}:{node.lineno}: imports {name}, another module; reach it through hooks"


def test_services_hold_no_flask_request_objects(module):
    for path in sorted((module.folder / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
                used = {(node.module, alias.name) for alias in node.names} & REQUEST_OBJECTS
                assert not used, f"{path}:{node.lineno}: {used} belongs in views; pass in what the view read"


def test_tables_start_with_the_module_id(module):
    for node in ast.walk(module.tree("models.py")):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__tablename__" for t in node.targets):
            assert node.value.value.startswith(f"{module.id}_"), f"{module.id}: table {node.value.value!r}"
