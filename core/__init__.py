"""Khet core: the app factory, plugin manager, organisation model and shared services.

Modules (``plugins/<id>/``) build on what is exported here; anything a module
imports from ``core`` is part of the plugin API and changes only with a bump of
``CORE_API_VERSION``.
"""

__version__ = "0.1.0"

# The plugin API version. A module declares the version it was written for in
# its PluginInfo; a module asking for a newer major version is refused at start.
CORE_API_VERSION = "1.0"
