"""Khet core: the app factory, plugin manager, organisation model and shared services.

Modules (``plugins/<id>/`` and third-party packages) import only ``core.api``
(their tests also ``core.testing``); ``core.api.__all__`` is the plugin API and
changes only with a bump of ``CORE_API_VERSION``. The rest of ``core`` is core's
own and may change at any release (docs/writing-a-module.md, "The public API").
"""

__version__ = "0.1.0"

# The plugin API version. A module declares the version it was written for in
# its PluginInfo; a module asking for another major version, or a newer minor
# one, is refused at start. A new name in core.api is a minor bump (modules
# written for 1.0 keep working on 1.1); a removed or changed one a major bump.
# 1.1: errors, exports, form fields, hook value objects, links/jobs/away, records.
CORE_API_VERSION = "1.1"
