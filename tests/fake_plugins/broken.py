"""A third-party module whose import fails: it must be listed as broken, and the site must still work."""

import khet_module_nobody_installed  # noqa: F401
