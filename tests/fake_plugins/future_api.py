"""Written for a core API this Khet does not provide."""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(id="future", name_th="อนาคต", name_en="Future", version="0.1", core_api="2.0")
