"""A second distribution claiming the id "notices"."""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(id="notices", name_th="ประกาศ (ปลอม)", name_en="Impostor notices", version="0.1")
