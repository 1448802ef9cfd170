"""Render the engine's messages in the user's language.

The engine writes user-facing text with ``engine.i18n._lt`` (English, with its template
kept); the templates are in this addon's ``.pot`` and ``.po`` files like any other string.
"""

import logging

_logger = logging.getLogger(__name__)


def engine_text(env, value):
    """Return ``value`` (an engine message, an exception, or plain text) translated.

    Text that is not an engine message (a provider's own words, a number) is returned as is.
    """
    if isinstance(value, BaseException):
        value = value.args[0] if value.args else str(value)
    template = getattr(value, "template", None)
    if template is None:
        return str(value)
    translated = env._(template)
    if not value.params:
        return translated
    try:
        return translated % value.params
    except (KeyError, TypeError, ValueError):
        _logger.warning("Translation of %r does not fit its parameters", template)
        return str(value)
