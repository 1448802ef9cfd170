"""Re-linking accounts after a renewed consent keeps the journals on the right accounts."""

from engine.accounts import relink
from engine.records import RemoteAccount

MAIN = "PL61109010140000071219812874"
VAT = "PL27114020040000300201355387"


def test_identification_hash_wins_over_a_changed_iban_format():
    old = [RemoteAccount("uid-1", "PLN", iban=MAIN, identification_hash="h-main")]
    new = [RemoteAccount("uid-2", "PLN", iban="", identification_hash="h-main")]
    assert relink(old, new) == {"uid-1": new[0]}


def test_iban_links_accounts_when_the_provider_has_no_hash():
    old = [RemoteAccount("gc-1", "PLN", iban="PL61 1090 1014 0000 0712 1981 2874")]
    new = [RemoteAccount("gc-7", "PLN", iban=VAT), RemoteAccount("gc-8", "PLN", iban=MAIN)]
    assert relink(old, new)["gc-1"].remote_id == "gc-8"


def test_account_missing_from_the_renewed_consent_is_not_linked():
    old = [RemoteAccount("uid-1", "PLN", iban=MAIN, identification_hash="h-main")]
    assert relink(old, [RemoteAccount("uid-2", "PLN", iban=VAT, identification_hash="h-vat")]) == {}


def test_ambiguous_match_links_nothing():
    old = [RemoteAccount("a", "PLN", iban=MAIN)]
    new = [RemoteAccount("b", "PLN", iban=MAIN), RemoteAccount("c", "EUR", iban=MAIN)]
    assert relink(old, new) == {}


def test_sandbox_renewal_relinks_every_account(sandbox):
    from conftest import connect

    _p, first = connect(sandbox, "enablebanking", state="first")
    _p, renewed = connect(sandbox, "enablebanking", state="renewed")
    links = relink(first.accounts, renewed.accounts)
    assert [links[a.remote_id].iban for a in first.accounts] == [a.iban for a in first.accounts]
