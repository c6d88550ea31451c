"""A module whose table holds one column of every kind a backup must carry across databases.

Its models join Khet's metadata (a backup sees only tables the installed
components own), so the tests that load it remove its tables again after.
"""

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo

TABLES = ("typesample_record", "typesample_tag")


@hookimpl
def plugin_info():
    return PluginInfo(id="typesample", name_th="ตัวอย่างชนิดข้อมูล", name_en="Type sample", version="0.1")


@hookimpl
def model_classes():
    from tests.fake_plugins.typesample.models import Record, Tag

    return [Record, Tag]


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations"
