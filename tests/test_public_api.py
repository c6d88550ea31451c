"""core.api is the whole surface a module may import: it holds together, and CI keeps modules to it."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import core.api as api
from core import CORE_API_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_every_exported_name_exists_and_none_is_listed_twice():
    assert len(api.__all__) == len(set(api.__all__)), sorted(n for n in api.__all__ if api.__all__.count(n) > 1)
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing


def test_every_exported_class_and_function_says_what_it_is_for():
    undocumented = [
        name for name in api.__all__
        if (inspect.isclass(getattr(api, name)) or inspect.isfunction(getattr(api, name)))
        and not (inspect.getdoc(getattr(api, name)) or "").strip()
    ]
    assert not undocumented, f"give these a docstring (they are the plugin API): {undocumented}"


def test_the_service_namespaces_are_core_services():
    namespaces = [name for name in api.__all__ if isinstance(getattr(api, name), types.ModuleType)]
    assert namespaces and all(getattr(api, name).__name__.startswith("core.") for name in namespaces)
    assert all((getattr(api, name).__doc__ or "").strip() for name in namespaces)


def test_modules_written_for_an_older_minor_version_still_load():
    from core.plugin_api import PluginInfo
    from core.plugins import _check_core_api

    major, _, minor = CORE_API_VERSION.partition(".")
    for version in {f"{major}.0", CORE_API_VERSION}:
        _check_core_api(PluginInfo(id="old", name_th="เก่า", name_en="Old", version="1", core_api=version))
    with pytest.raises(RuntimeError, match="needs core API"):
        _check_core_api(PluginInfo(id="new", name_th="ใหม่", name_en="New", version="1", core_api=f"{major}.{int(minor) + 1}"))


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        pytest.skip(f"{name} is not installed (it is in the test extra: pip install -e '.[test]')")
    return on_path


def test_modules_import_only_the_public_api_and_never_each_other():
    done = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_finds_nothing():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_a_module_made_by_new_plugin_keeps_to_the_public_api_and_its_contract_catches_a_break(tmp_path):
    from click.testing import CliRunner

    from core.scaffold import new_plugin_command

    made = CliRunner().invoke(new_plugin_command, ["field_trips", "--path", str(tmp_path), "--name-th", "ทัศนศึกษา"])
    assert made.exit_code == 0, made.output
    project = tmp_path / "khet-field-trips"
    lint = [_tool("lint-imports"), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)])}
    kept = subprocess.run(lint, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert kept.returncode == 0, kept.stdout[-4000:]

    with (project / "khet_field_trips" / "forms.py").open("a") as forms:
        forms.write("\nfrom core.db import db  # past the public API\n")
    broken = subprocess.run(lint, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert broken.returncode != 0 and "khet_field_trips.forms -> core.db" in broken.stdout
