"""Mounts its blueprint at /notices, which the notices module already uses."""

from flask import Blueprint

from core.hookspecs import hookimpl
from core.permissions import SIGNED_IN, require
from core.plugin_api import PluginInfo

bp = Blueprint("clash", __name__, url_prefix="/notices")


@bp.route("/elsewhere")
@require(SIGNED_IN)
def elsewhere():
    return "clash"


@hookimpl
def plugin_info():
    return PluginInfo(id="clash", name_th="ชนกัน", name_en="Clash", version="0.1")


@hookimpl
def blueprints():
    return [bp]
