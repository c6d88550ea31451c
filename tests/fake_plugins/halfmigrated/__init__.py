"""Its migration makes one of its two tables: a table added to the models without a migration for it.

Plain ``Table``s made when the registry asks for the models (see ``unmigrated``); the test removes them after.
"""

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo

TABLES = ("halfmigrated_letter", "halfmigrated_stamp")


@hookimpl
def plugin_info():
    return PluginInfo(id="halfmigrated", name_th="migration ไม่ครบ", name_en="Half migrated", version="0.1")


@hookimpl
def model_classes():
    from sqlalchemy import Column, Integer, Table

    from core.db import db

    for name in TABLES:
        if name not in db.metadata.tables:
            Table(name, db.metadata, Column("id", Integer, primary_key=True))
    return []


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations"
