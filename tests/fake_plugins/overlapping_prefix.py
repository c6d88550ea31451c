"""Its id "notices_archive" makes its tables look like tables of the notices module."""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(id="notices_archive", name_th="คลังประกาศ", name_en="Notice archive", version="0.1")
