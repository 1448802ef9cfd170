"""Render the engine's messages in the user's language.

The engine writes user-facing text with ``engine.i18n._lt`` (English, with its template
kept); the templates are in this addon's ``.pot`` and ``.po`` files like any other string.
"""

from ..engine.i18n import render


def engine_text(env, value):
    """Return ``value`` (an engine message, an exception, or plain text) translated.

    Text that is not an engine message (a provider's own words, a number) is returned as is.
    The language is the environment's (``with_context(lang=...)``).
    """

    def translate(template):
        # env._ takes the addon from its caller's module: this function, in this addon.
        return env._(template)

    return render(value, translate)
