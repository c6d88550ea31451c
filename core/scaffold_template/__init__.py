"""The files `khet new-plugin` copies into a new module's project.

They live under ``templates/`` so that the package-data rule of Khet's
pyproject.toml (``templates/**/*`` of every package) ships them in the wheel.
Every file ends in ``.tmpl`` (dropped when written) so no tool mistakes them
for Khet's own code or tests. core/scaffold.py replaces these tokens:

``__PLUGIN_ID__``     the module id                      ``field_trips``
``__PACKAGE__``       the Python package                 ``khet_field_trips``
``__DISTRIBUTION__``  the name on PyPI                   ``khet-field-trips``
``__NAME_TH__``, ``__NAME_EN__``  the module's Thai and English names
``__REVISION__``      the id of the first migration
``__CREATED__``       today's date
"""
