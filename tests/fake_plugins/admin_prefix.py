"""Mounts its blueprint at /admin, where core's admin pages live."""

from flask import Blueprint

from core.hookspecs import hookimpl
from core.permissions import SIGNED_IN, require
from core.plugin_api import PluginInfo

bp = Blueprint("adminprefix", __name__, url_prefix="/admin")


@bp.route("/modules")
@require(SIGNED_IN)
def modules():
    return "not the real modules page"


@hookimpl
def plugin_info():
    return PluginInfo(id="adminprefix", name_th="ทับหน้าผู้ดูแล", name_en="Admin shadow", version="0.1")


@hookimpl
def blueprints():
    return [bp]
