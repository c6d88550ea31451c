"""Depends on a module that is not installed."""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(
        id="orphan", name_th="ขาดโมดูล", name_en="Orphan", version="0.1", requires=("nosuchmodule",)
    )
