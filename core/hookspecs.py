"""Every hook a Khet module can implement. One line of docstring each; docs/hooks.md has the detail.

Hooks are called with keyword arguments only, and grow only by gaining
arguments, so a module written for an older core keeps working.
"""

import pluggy

hookspec = pluggy.HookspecMarker("khet")
hookimpl = pluggy.HookimplMarker("khet")


@hookspec(firstresult=True)
def plugin_info():
    """Return the module's PluginInfo: id, Thai and English name, version, core API version, dependencies."""


@hookspec
def blueprints():
    """Return the Flask blueprints of the module; each is mounted under /<module id>/."""


@hookspec
def model_classes():
    """Return the SQLAlchemy model classes the module owns; their tables start with the module id."""


@hookspec(firstresult=True)
def migrations_folder():
    """Return the path of the folder holding the module's Alembic revisions."""


@hookspec
def permissions():
    """Return the Permission codes the module declares, each prefixed with the module id."""


@hookspec
def menu_items(user):
    """Return the MenuItems the module adds to the top menu for this user."""


@hookspec
def dashboard_cards(user):
    """Return the DashboardCards the module shows on this user's home page."""


@hookspec(firstresult=True)
def settings_form():
    """Return a SettingsSpec: the form class and defaults of the module's admin settings page."""


@hookspec
def cli_commands():
    """Return click commands to add under `khet <module id>`."""


@hookspec
def demo_data(office, rng):
    """Create the module's demo records for `khet demo`, using rng for repeatable variety."""


@hookspec
def search(user, query, limit):
    """Return up to limit SearchResults for the global search box, only ones the user may open."""


@hookspec
def person_deactivated(person):
    """React to a person being deactivated (hand over their open work, revoke tokens)."""


@hookspec
def person_changed_group(person, old_group, new_group):
    """React to a person moving from one group of the office to another."""


@hookspec
def school_added(school):
    """React to a new school joining the office (create its registers, default lists)."""


@hookspec
def template_slot(slot, context):
    """Return HTML to insert at a named slot of a core template ("home_top", "person_detail"); None for other slots."""


@hookspec
def attachment_access(user, attachment):
    """Return True/False whether the user may download this attachment of the module's record, None if not yours."""


@hookspec
def notification_channels():
    """Return NotificationChannel objects (id, label, address_for(person), send(address, message)) for notify() to deliver through."""


@hookspec
def approval_kinds():
    """Return the ApprovalKinds of the module: the kinds of request it sends through core's approval workflow."""


@hookspec
def notification_events():
    """Return the NotificationEvents of the module, listed on each person's notification preferences page."""


@hookspec
def scheduled_jobs():
    """Return the ScheduledJobs of the module for `khet jobs run` (cron)."""


@hookspec
def link_targets():
    """Return the LinkTargets of the module: kinds of its records other modules may link to, through core.links."""


@hookspec
def away_entries(start, end, viewer):
    """Return the AwayEntries (people away between start and end) the viewer may see on the who-is-away calendar."""


@hookspec
def audit_actions():
    """Return the labels of the module's audit actions, {action code: lazy label}, shown in the admin's audit log."""
