"""Helpers every HTTP provider shares: the transport wrapper and record bookkeeping.

Each adapter keeps its own choke point (``_request``) where its provider's statuses and error
codes become :mod:`..errors`; what is the same for every provider lives here so that a fifth
adapter does not copy it:

- :func:`send` performs one ``requests`` call with a timeout and turns transport failures
  (timeouts, refused or reset connections, bodies cut off mid-transfer) into
  :class:`~..errors.ProviderUnavailable`, never quoting headers (they carry secrets);
- :func:`json_body` reads a JSON answer or raises :class:`~..errors.BadPayload`;
- :func:`retry_after_seconds` reads a wait time from the headers or the text of a 429;
- :func:`normalize_all` turns a list of raw records into transactions, keeping the bad ones
  as :class:`~..records.RejectedRecord` so that one hostile record never costs a page;
- :func:`bounded` trims a raw record before it is kept (a 10 MB title must not be stored).
"""

import datetime
import json
import re

import requests

from .. import errors
from ..i18n import Text, _lt
from ..records import RejectedRecord

#: Seconds to wait for a provider's answer. Aggregators proxy the bank live, and a Polish
#: bank's PSD2 interface can take tens of seconds on a long history.
DEFAULT_TIMEOUT = 60
#: Longest string kept inside a raw record; longer ones are cut (with a marker).
MAX_RAW_STRING = 2000
#: Largest serialized excerpt of a rejected record kept for the sync log.
MAX_REJECTED_EXCERPT = 4000

_SECONDS_RE = re.compile(
    r"(?:try again in|retry in|after)\s+(\d{1,9})\s*(?:seconds?|s\b)", re.IGNORECASE
)


def send(method, url, *, timeout=DEFAULT_TIMEOUT, session=None, provider_label="", **kwargs):
    """Perform one HTTP call and return the :class:`requests.Response` (any status).

    :raise ProviderUnavailable: the provider did not answer in ``timeout`` seconds, the
        connection failed or was reset, or the body was cut off before its declared end.
    """
    caller = session or requests
    label = provider_label or _lt("The provider")
    try:
        return caller.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as error:
        raise errors.ProviderUnavailable(
            _lt("%(provider)s did not answer in %(timeout)s s.", provider=label, timeout=timeout)
        ) from error
    except (
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ) as error:
        raise errors.ProviderUnavailable(
            _lt(
                "%(provider)s could not be reached (%(error)s).",
                provider=label,
                error=type(error).__name__,
            )
        ) from error


def json_body(response, *, provider_label=""):
    """Return the decoded JSON of ``response``; raise BadPayload when it is not JSON."""
    try:
        return response.json()
    except ValueError as error:
        raise errors.BadPayload(
            _lt(
                "%(provider)s answered HTTP %(status)s with a body that is not JSON.",
                provider=provider_label or _lt("The provider"),
                status=response.status_code,
            )
        ) from error


def retry_after_seconds(headers, *texts, header_names=("Retry-After",)):
    """Return the seconds to wait that a 429 announces, or ``None``.

    Looks at ``header_names`` in order (a number of seconds), then for "try again in N
    seconds" in ``texts`` (GoCardless writes it in the ``detail`` of its 429 body).
    """
    for name in header_names:
        value = (headers or {}).get(name)
        if value is not None and str(value).strip().isdigit():
            return int(str(value).strip())
    for text in texts:
        match = _SECONDS_RE.search(text or "") if isinstance(text, str) else None
        if match:
            return int(match.group(1))
    return None


def normalize_all(records, convert):
    """Apply ``convert`` to each record; return ``(transactions, rejected)`` tuples.

    ``convert`` raises :class:`~..errors.BadPayload` (or any ``ValueError``/``TypeError``/
    ``KeyError``/``AttributeError`` a hostile record provokes) for a record it cannot
    normalize; that record becomes a :class:`~..records.RejectedRecord` with a bounded
    excerpt, and the others are kept.
    """
    transactions, rejected = [], []
    for record in records:
        try:
            transactions.append(convert(record))
        except (errors.BadPayload, ValueError, TypeError, KeyError, AttributeError) as error:
            rejected.append(RejectedRecord(reason=_reason(error), raw=excerpt(record)))
    return tuple(transactions), tuple(rejected)


def bounded(value, *, depth=0):
    """Return ``value`` (JSON-like) with long strings cut and deep nesting dropped."""
    if depth > 8:
        return "…"
    if isinstance(value, str):
        return value if len(value) <= MAX_RAW_STRING else value[:MAX_RAW_STRING] + "…"
    if isinstance(value, dict):
        return {str(key)[:100]: bounded(item, depth=depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [bounded(item, depth=depth + 1) for item in value[:200]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return bounded(str(value), depth=depth)


def excerpt(record):
    """Return a bounded excerpt of a rejected record, fit for the sync log."""
    small = bounded(record)
    text = json.dumps(small, ensure_ascii=False, default=str)
    if len(text) <= MAX_REJECTED_EXCERPT:
        return small
    return text[:MAX_REJECTED_EXCERPT] + "…"


def parse_moment(value):
    """RFC 3339 text (or a datetime) → naive UTC datetime; ``None`` when absent or unreadable.

    Providers state consent ends and token expiries with an offset (``+00:00``, ``Z``);
    Odoo stores naive UTC.
    """
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def require_dict(value, what):
    """Return ``value`` if it is a dict, else raise BadPayload naming ``what``."""
    if not isinstance(value, dict):
        raise errors.BadPayload(_lt("%(what)s is not a JSON object.", what=what))
    return value


def require_list(value, what):
    """Return ``value`` if it is a list (``None`` counts as empty), else raise BadPayload."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.BadPayload(_lt("%(what)s is not a JSON list.", what=what))
    return value


def _reason(error):
    """The error's sentence for the sync log, at most 300 characters.

    An engine message (:class:`~..i18n.Text`) is kept whole so that Odoo can translate it.
    """
    message = error.args[0] if error.args else None
    if isinstance(message, Text) and len(message) <= 300:
        return message
    text = str(error) or type(error).__name__
    return text[:300]
