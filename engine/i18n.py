"""English messages that Odoo can translate: the engine's user-facing text.

The engine does not import Odoo, yet some of its text reaches accountants (why a transfer
matches an invoice, why a statement file is refused, why sync times are wrong). Such text is
written as ``_lt("template with %(name)s", name=value)``: the result is an ordinary ``str``
(the English rendering, so logs, tests and the command line see plain text) that also keeps
its ``template`` and ``params``. Odoo's translation exporter finds ``_lt("...")`` calls in
every Python file of the addon, ``engine/`` included, so the templates land in the ``.pot``
file; the Odoo layer renders them in the user's language with :func:`render` and Odoo's
translation lookup (``models/engine_text.py``).

A parameter may itself be a :class:`Text` (``"Line 12"`` in ``"Line 12: the amount ...``"):
it is translated on its own. A template made only of placeholders and punctuation, used to
join such pieces, is written ``Text(...)`` instead of ``_lt(...)``: it has nothing to
translate, so it stays out of the ``.pot`` file.

>>> message = _lt("Line %(line)s: the amount %(amount)s is not a number.", line=7, amount="x")
>>> message
'Line 7: the amount x is not a number.'
>>> message.template, message.params["line"]
('Line %(line)s: the amount %(amount)s is not a number.', 7)
>>> _lt("No parameters.").params
{}
>>> polish = {"Line %(line)s": "Wiersz %(line)s"}
>>> render(Text("%(place)s: x", place=_lt("Line %(line)s", line=3)), polish.get)
'Wiersz 3: x'
"""

import logging

_logger = logging.getLogger(__name__)


class Text(str):
    """A rendered English message that remembers its template and parameters."""

    __slots__ = ("params", "template")

    def __new__(cls, template, /, **params):
        rendered = template % params if params else template
        text = super().__new__(cls, rendered)
        text.template = template
        text.params = params
        return text

    def __reduce__(self):
        return (_rebuild, (self.template, self.params))


def _rebuild(template, params):
    return Text(template, **params)


#: Mark a template for translation and render it in English with its parameters:
#: ``_lt("Line %(line)s", line=7)``. Named placeholders only: translations may reorder them.
#: (The class itself, not a function calling it: the matcher writes tens of thousands of
#: reasons per run, and a call less each counts.)
_lt = Text


def render(value, translate):
    """Return ``value`` rendered with ``translate`` (template -> translated template or None).

    ``value`` is an exception (its ``args[0]`` is rendered when it is a :class:`Text`), a
    :class:`Text` or anything else (returned as ``str``). Parameters that are :class:`Text`
    are rendered the same way. A translation that does not fit its parameters (a translator's
    typo in a placeholder) falls back to English rather than fail: the message matters more
    than its language.
    """
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], Text):
        value = value.args[0]
    if not isinstance(value, Text):
        return str(value)
    translated = translate(value.template) or value.template
    if not value.params:
        return translated
    params = {
        name: render(param, translate) if isinstance(param, Text) else param
        for name, param in value.params.items()
    }
    try:
        return translated % params
    except (KeyError, TypeError, ValueError):
        _logger.warning("Translation of %r does not fit its parameters", value.template)
        return value.template % params
