"""A module that needs notices, with one of everything a module contributes: page, menu, card, permission, search."""

from flask import Blueprint

from core.hookspecs import hookimpl
from core.permissions import require
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo, SearchResult

bp = Blueprint("dependent", __name__, template_folder="templates")


@bp.route("/")
@require("dependent.view")
def index():
    return "dependent page"


@hookimpl
def plugin_info():
    return PluginInfo(
        id="dependent", name_th="โมดูลพึ่งพา", name_en="Dependent", version="0.1", requires=("notices",)
    )


@hookimpl
def blueprints():
    return [bp]


@hookimpl
def permissions():
    return [Permission("dependent.view", "See the dependent module")]


@hookimpl
def menu_items(user):
    return [MenuItem("Dependent menu item", "dependent.index", permission="dependent.view")]


@hookimpl
def dashboard_cards(user):
    return [DashboardCard("Dependent card", "dependent/_card.html", permission="dependent.view")]


@hookimpl
def search(user, query, limit):
    return [SearchResult(title=f"Dependent result for {query}", url="/dependent/")]
