"""WTForms' own messages ("This field is required.") in the reader's language, for every form.

WTForms ships no Thai catalog, so Flask-WTF's built-in translations left the
default validator and field messages in English on Thai pages (issue 16). Khet
answers them from its own merged catalogs instead: core's Thai catalog
translates the message ids below, and :func:`install` makes every
``flask_wtf.FlaskForm`` — core's and every module's, without changes in the
modules — read them through Flask-Babel, in the request's language.

The ids are WTForms' and Flask-WTF's exactly; they are listed here, marked with
``_l``/``lazy_ngettext``, so the catalog tools extract and keep them.
``tests/test_i18n.py`` fails when the installed WTForms or Flask-WTF has a
message this list lacks.
"""

from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid IP address."),
    _l("Invalid Mac address."),
    _l("Invalid URL."),
    _l("Invalid UUID."),
    _l("Invalid field name '%s'."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Not a valid choice."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("File does not have an approved extension."),
    _l("File does not have an approved extension: {extensions}"),
)


class WTFormsTranslations:
    """The translations object WTForms asks (``gettext``/``ngettext``): Khet's merged catalogs.

    It uses the catalogs' own ``ugettext``/``ungettext`` rather than Flask-Babel's
    ``gettext``: WTForms fills the ``%(min)d`` placeholders itself afterwards, and
    Flask-Babel's ``ngettext`` would try to fill them first.
    Outside an app context Flask-Babel answers with null translations: English.
    """

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


translations = WTFormsTranslations()


def install() -> None:
    """Make every FlaskForm use Khet's catalogs for WTForms' messages.

    Flask-WTF's form meta returns the module-level ``flask_wtf.form.translations``
    when ``WTF_I18N_ENABLED`` is on (the default); that object only knows
    WTForms' bundled catalogs, which have no Thai. Replacing it reaches the
    forms of every module, which all subclass ``flask_wtf.FlaskForm``.
    """
    import flask_wtf.form

    flask_wtf.form.translations = translations
