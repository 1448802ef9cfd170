"""English messages that Odoo can translate: the engine's user-facing text.

The engine does not import Odoo, yet some of its text reaches accountants (why a transfer
matches an invoice, why a statement file is refused, why sync times are wrong). Such text is
written as ``_lt("template with %(name)s", name=value)``: the result is an ordinary ``str``
(the English rendering, so logs, tests and the command line see plain text) that also keeps
its ``template`` and ``params``. Odoo's translation exporter finds ``_lt("...")`` calls in
every Python file of the addon, ``engine/`` included, so the templates land in the ``.pot``
file; the Odoo layer renders them in the user's language with :func:`translate`-like code
(``models/engine_text.py``).

>>> message = _lt("Line %(line)s: the amount %(amount)s is not a number.", line=7, amount="x")
>>> message
'Line 7: the amount x is not a number.'
>>> message.template, message.params["line"]
('Line %(line)s: the amount %(amount)s is not a number.', 7)
>>> _lt("No parameters.").params
{}
"""


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


def _lt(template, /, **params):
    """Mark ``template`` for translation and render it in English with ``params``.

    Use named placeholders only (``%(name)s``): translations may reorder them.
    """
    return Text(template, **params)
