from flask import Blueprint, render_template
from wtforms import Form, StringField

from core.permissions import require
from core.settings import get_settings

bp = Blueprint("contract", __name__, template_folder="templates")


class ContractSettingsForm(Form):
    greeting = StringField("Greeting")


@bp.route("/")
@require("contract.use")
def page():
    return render_template("contract/page.html", greeting=get_settings("contract")["greeting"])
