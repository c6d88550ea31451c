"""Switching modules on and off."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.permissions import require
from core.plugins import PluginError, registry
from core.views.admin import bp


@bp.route("/modules")
@require("core.admin")
def modules():
    reg = registry()
    enabled = reg.enabled_ids()
    allowed = current_app.config["PLUGINS_ALLOWED"]
    rows = [
        {
            "info": reg.plugins[plugin_id].info,
            "distribution": reg.plugins[plugin_id].distribution,
            "enabled": plugin_id in enabled,
            "allowed": allowed is None or plugin_id in allowed,
        }
        for plugin_id in reg.module_ids
    ]
    return render_template("admin/modules.html", rows=rows, broken=reg.broken)


@bp.route("/modules/<plugin_id>", methods=["POST"])
@require("core.admin")
def switch_module(plugin_id):
    enable = request.form.get("enabled") == "1"
    try:
        registry().set_enabled(plugin_id, enable, allowed=current_app.config["PLUGINS_ALLOWED"])
    except PluginError as exc:
        flash(str(exc), "danger")
    else:
        name = registry().plugins[plugin_id].info.display_name(_locale())
        flash((_("Module %(name)s enabled.", name=name) if enable else _("Module %(name)s disabled; its data is kept.", name=name)), "success")
    return redirect(url_for("admin.modules"))


def _locale() -> str:
    from core.i18n import current_locale

    return current_locale()
