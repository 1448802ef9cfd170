"""The provider interface every bank-data source implements.

A provider turns one aggregator's (or bank's) API into the normalized records of
:mod:`..records`. It holds no state between calls except its settings and credentials:
consents, cursors and call budgets live in Odoo, which passes them in. That keeps providers
testable with plain pytest and lets the Odoo layer decide what is committed when.

Adding a provider (Salt Edge, a Berlin Group bank) means one new module under
``engine/providers/`` that subclasses :class:`Provider`, decorates it with
:func:`register_provider`, routes every HTTP call through one request method (the *choke
point* that tests patch and that maps the provider's errors onto :mod:`..errors`), plus its
tests. Nothing else in the engine or in Odoo changes.
"""

import abc
import dataclasses
import datetime

from ..budget import ROLLING, MeteredCall

_REGISTRY = {}


@dataclasses.dataclass(frozen=True)
class SettingSpec:
    """One setting an administrator gives a provider (an application id, a key, ...).

    Providers declare theirs in :attr:`Provider.setting_specs`, so that the Odoo layer can
    ask for them without knowing any provider: a new provider needs no Odoo change.
    ``secret`` settings are stored encrypted and never shown back; ``multiline`` ones (a PEM
    key) are pasted in a text area.
    """

    key: str
    label: str
    secret: bool = False
    required: bool = True
    multiline: bool = False
    help: str = ""
    default: str = ""


def register_provider(cls):
    """Class decorator: make ``cls`` available under ``cls.code``."""
    if not cls.code:
        raise TypeError(f"{cls.__name__} has no provider code.")
    if cls.code in _REGISTRY and _REGISTRY[cls.code] is not cls:
        raise TypeError(f"Provider code {cls.code!r} is already taken.")
    _REGISTRY[cls.code] = cls
    return cls


def get_provider_class(code):
    """Return the provider class registered under ``code``; raise KeyError if none."""
    return _REGISTRY[code]


def provider_classes():
    """Return the registered provider classes, in a stable order (sandbox first)."""
    return sorted(_REGISTRY.values(), key=lambda cls: (cls.sequence, cls.code))


class Provider(abc.ABC):
    """One source of bank data.

    :param settings: provider-specific configuration (base URL, application id, seed, ...),
        a plain ``dict`` of JSON-able values; secrets included, the caller owns their storage.
    :param clock: a callable returning the current moment as naive UTC ``datetime``; tests and
        the Sandbox Bank use it to travel in time. Defaults to the real clock.
    """

    #: Technical code stored on the connection (``sandbox``, ``enablebanking``, ...).
    code = ""
    #: Name shown to people.
    label = ""
    #: Order in selection lists.
    sequence = 100
    #: True when the consent is granted by a visit to the bank (redirect flow); False when
    #: :meth:`start_consent` returns the granted consent directly.
    uses_redirect = True
    #: Unattended calls a day per account and scope the provider allows. PSD2 sets 4
    #: (Delegated Regulation (EU) 2018/389, art. 36(5)); ``None`` means no limit.
    daily_call_limit = 4
    #: How the provider counts ``daily_call_limit``: :data:`~..budget.ROLLING` 24 hours or
    #: :data:`~..budget.CALENDAR_DAY`.
    budget_window = ROLLING
    #: The provider's API address when none is configured (tests and the protocol sandbox
    #: point ``base_url`` elsewhere).
    default_base_url = ""
    #: What an administrator must give: :class:`SettingSpec` records (see there).
    setting_specs = ()

    def __init__(self, settings=None, *, clock=None):
        self.settings = dict(settings or {})
        self._clock = clock or _utcnow
        #: :class:`~..budget.MeteredCall` records of the calls this instance made that count
        #: against the provider's daily budget, in order. The Odoo layer reads them after
        #: each operation (see :meth:`drain_metered_calls`) and persists their timestamps.
        self.metered_calls = []

    def now(self):
        """Current moment, naive UTC (see ``clock``)."""
        return self._clock()

    # -- Institutions and consent ------------------------------------------------------------
    @abc.abstractmethod
    def list_institutions(self, country=None):
        """Return the banks one can connect to, as :class:`~..records.Institution` records.

        :param country: ISO 3166 alpha-2 code to filter on, or ``None`` for all.
        """

    @abc.abstractmethod
    def start_consent(self, institution_id, *, redirect_url, state, valid_until=None):
        """Ask the provider for a consent on ``institution_id``.

        :param redirect_url: where the bank sends the user's browser back (our controller).
        :param state: opaque, signed value the bank must hand back unchanged.
        :param valid_until: the end date we ask for (naive UTC); the provider may grant less.
        :return: a :class:`~..records.ConsentRequest`.
        """

    @abc.abstractmethod
    def finish_consent(self, request, callback_params):
        """Complete a redirect flow with what the bank sent back to our controller.

        :param request: the :class:`~..records.ConsentRequest` from :meth:`start_consent`.
        :param callback_params: the query parameters of the callback, as a ``dict``.
        :return: the granted :class:`~..records.Consent`.
        :raise ConsentRejected: the user cancelled or the bank refused.
        """

    # -- Account data ---------------------------------------------------------------------------
    @abc.abstractmethod
    def list_accounts(self, consent):
        """Return the :class:`~..records.RemoteAccount` records the consent gives access to."""

    @abc.abstractmethod
    def fetch_balances(self, consent, account_id):
        """Return the :class:`~..records.Balance` records of one account."""

    @abc.abstractmethod
    def fetch_transactions(self, consent, account_id, date_from, date_to, page=None):
        """Return one :class:`~..records.TransactionPage` of an account's transactions.

        :param date_from: first booking date wanted (inclusive, bank calendar).
        :param date_to: last booking date wanted (inclusive).
        :param page: the ``next_page`` token of the previous page, ``None`` for the first.

        Records that cannot be normalized are returned in ``rejected``, not raised: one bad
        record must not cost the whole page.
        """

    def revoke_consent(self, consent):
        """Withdraw the consent at the provider, where its API allows it. Default: nothing."""
        return

    def runtime_state(self):
        """Return what the provider learnt that the next instance should reuse (tokens).

        The Odoo layer stores it with the provider configuration's secrets and passes it back
        in the settings; default: nothing. GoCardless returns its access and refresh tokens,
        since new tokens are limited to 100 an hour.
        """
        return {}

    def callback_state(self, callback_params):
        """Return the ``state`` the bank handed back in ``callback_params`` (``""`` if none).

        Most flows return our ``state`` as is; a provider that carries it differently
        (GoCardless returns the requisition ``reference`` as ``ref``) overrides this, so the
        controller can find the pending request before calling :meth:`finish_consent`.
        """
        value = (callback_params or {}).get("state")
        return value if isinstance(value, str) else ""

    # -- Budget -------------------------------------------------------------------------------
    def drain_metered_calls(self):
        """Return and forget the metered calls made so far (see :attr:`metered_calls`)."""
        calls, self.metered_calls = self.metered_calls, []
        return calls

    def _meter(self, scope, key):
        """Record a call that counts against the daily budget of ``(key, scope)``."""
        self.metered_calls.append(MeteredCall(scope, str(key), self.now()))


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
