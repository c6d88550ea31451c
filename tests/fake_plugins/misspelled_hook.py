"""Implements "menu_itmes" instead of "menu_items": start-up must fail, not silently show no menu."""

from core.hookspecs import hookimpl
from core.plugin_api import PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(id="typo", name_th="พิมพ์ผิด", name_en="Typo", version="0.1")


@hookimpl
def menu_itmes(user):
    return []
