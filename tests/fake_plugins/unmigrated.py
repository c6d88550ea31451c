"""Has a table in Khet's metadata (so the registry counts it as the module's) and no migrations at all.

The table is a plain ``Table``, as an association table is: it is made when the registry asks for the
models, so importing this file changes nothing, and a mapped class could be declared only once per test
session. The test that loads the module removes the table from the metadata again.
"""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo

TABLES = ("unmigrated_note",)


@hookimpl
def plugin_info():
    return PluginInfo(id="unmigrated", name_th="ไม่มี migration", name_en="Unmigrated", version="0.1")


@hookimpl
def model_classes():
    from sqlalchemy import Column, Integer, Table

    from core.db import db

    if "unmigrated_note" not in db.metadata.tables:
        Table("unmigrated_note", db.metadata, Column("id", Integer, primary_key=True))
    return []
