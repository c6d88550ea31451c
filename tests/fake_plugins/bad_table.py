"""Owns a table whose name does not start with its id."""

from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


class PrivateBase(DeclarativeBase):
    """Not Khet's metadata: the table must not leak into other tests."""


class Record(PrivateBase):
    __tablename__ = "records_of_badtable"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


@hookimpl
def plugin_info():
    return PluginInfo(id="badtable", name_th="ตารางผิด", name_en="Bad table", version="0.1")


@hookimpl
def model_classes():
    return [Record]
