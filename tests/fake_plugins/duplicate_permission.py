"""Declares a permission code the notices module already declares."""

from core.hookspecs import hookimpl
from core.plugin_api import Permission, PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(id="dupperm", name_th="สิทธิ์ซ้ำ", name_en="Duplicate permission", version="0.1")


@hookimpl
def permissions():
    return [Permission("notices.read", "Read notices (again)")]
