"""Typed errors raised by providers and the sync engine.

The Odoo layer turns each class into a connection state and a sentence for people; code
decides on the class, never on the message. Every provider maps its own error codes onto
these (the mapping lives next to the provider's request function, with its source).
"""


class ProviderError(Exception):
    """Base class: the provider could not give us what we asked for.

    ``retryable`` tells the scheduler whether trying again later can help without a person
    doing something first.
    """

    retryable = True

    def __init__(self, message="", *, provider_code=None, details=None):
        super().__init__(message)
        self.provider_code = provider_code
        self.details = details or {}


class ConsentExpired(ProviderError):
    """The consent (PSD2 access) is no longer valid: a person must renew it at the bank."""

    retryable = False


class ConsentRevoked(ConsentExpired):
    """The account holder or the bank withdrew the consent before its end date."""


class ConsentRejected(ProviderError):
    """The user cancelled or failed the authorisation at the bank; nothing was granted."""

    retryable = False


class AuthenticationFailed(ProviderError):
    """Our own credentials (API key, application key, token) were refused.

    Raised for configuration mistakes; retrying will not help until an administrator fixes
    the settings.
    """

    retryable = False


class RateLimited(ProviderError):
    """The provider or the bank refuses more calls for now.

    ``retry_after`` is the number of seconds the provider told us to wait (``None`` when it
    did not say). PSD2 allows four unattended calls a day per account and scope
    (Delegated Regulation (EU) 2018/389, art. 36(5)), so a wait can last hours.
    """

    def __init__(self, message="", *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """The provider or the bank is down, in maintenance, or timed out: try again later."""


class BadPayload(ProviderError):
    """The provider answered with data we cannot read (malformed page, wrong types).

    Raised for a whole answer. A single bad record inside a good page is not an exception:
    it becomes a :class:`~.records.RejectedRecord` and the rest of the page is imported.
    """


class SyncLocked(Exception):
    """Another sync of the same account is running; this one must skip or wait."""
