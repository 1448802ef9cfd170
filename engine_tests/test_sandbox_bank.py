import datetime
from decimal import Decimal

import pytest
from stdnum import iban as stdnum_iban
from stdnum.pl import nip as stdnum_nip

from engine import errors
from engine.providers import get_provider_class
from engine.providers.sandbox import CONSENT_DAYS, EPOCH, INSTITUTION_ID, SandboxBank

NOW = datetime.datetime(2026, 11, 26, 12, 0)
WEEK = (datetime.date(2026, 11, 16), datetime.date(2026, 11, 26))


def bank(clock=NOW, **settings):
    settings.setdefault("seed", "demo")
    return SandboxBank(settings, clock=lambda: clock)


def connect(sandbox):
    return sandbox.start_consent(INSTITUTION_ID, redirect_url="", state="").consent


def all_transactions(sandbox, consent, account, date_from, date_to):
    transactions, page = [], None
    while True:
        result = sandbox.fetch_transactions(consent, account.remote_id, date_from, date_to, page)
        transactions.extend(result.transactions)
        if not result.next_page:
            return transactions
        page = result.next_page


def test_sandbox_is_registered_and_needs_no_redirect():
    assert get_provider_class("sandbox") is SandboxBank
    assert SandboxBank.uses_redirect is False


def test_consent_is_granted_at_once_for_180_days():
    consent = connect(bank())
    assert consent.valid_until == NOW + datetime.timedelta(days=CONSENT_DAYS)
    assert len(consent.accounts) == 3


def test_accounts_are_pln_current_pln_vat_and_eur_with_valid_ibans():
    sandbox = bank()
    accounts = sandbox.list_accounts(connect(sandbox))
    assert [a.currency for a in accounts] == ["PLN", "PLN", "EUR"]
    assert all(stdnum_iban.is_valid(a.iban) for a in accounts)
    assert len({a.remote_id for a in accounts}) == 3


def test_same_seed_gives_the_same_bank_and_another_seed_another():
    def snapshot(seed):
        sandbox = bank(seed=seed)
        consent = connect(sandbox)
        account = sandbox.list_accounts(consent)[0]
        return account.iban, all_transactions(sandbox, consent, account, *WEEK)

    assert snapshot("demo") == snapshot("demo")
    assert snapshot("demo")[0] != snapshot("other")[0]


def test_a_window_read_in_pages_equals_the_window_read_at_once():
    small = bank(page_size=7)
    consent = connect(small)
    account = small.list_accounts(consent)[0]
    paged = all_transactions(small, consent, account, *WEEK)
    whole = bank(page_size=10_000)
    at_once = all_transactions(whole, connect(whole), account, *WEEK)
    assert paged == at_once and len(paged) > 7


def test_transactions_of_a_day_do_not_depend_on_the_window_asked():
    sandbox = bank()
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    day = datetime.date(2026, 11, 18)
    wide = [t for t in all_transactions(sandbox, consent, account, *WEEK) if t.booking_date == day]
    narrow = all_transactions(sandbox, consent, account, day, day)
    assert wide == narrow and narrow


def test_traffic_is_that_of_a_polish_business():
    sandbox = bank()
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    month = all_transactions(
        sandbox, consent, account, datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    )
    kinds = {t.raw["proprietaryBankTransactionCode"] for t in month}
    assert {"transfer_in", "transfer_out", "card", "fee", "zus", "tax", "salary"} <= kinds
    titles = [t.remittance for t in month]
    assert any(t.startswith("/VAT/") and "/IDC/" in t and "/INV/" in t for t in titles)
    assert any(t.startswith("/TI/") and "/OKR/" in t and "/SFP/" in t for t in titles)
    incoming = [t for t in month if t.amount > 0]
    assert incoming and all(stdnum_iban.is_valid(t.counterparty_account) for t in incoming)


def test_split_payment_titles_quote_the_account_holders_nip():
    sandbox = bank(holder_vat="5260250995")
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    titles = [
        t.remittance.replace(" ", "") for t in all_transactions(sandbox, consent, account, *WEEK)
    ]
    mpp_in = [t for t in titles if t.startswith("/VAT/") and "/IDC/5260250995/" in t]
    assert mpp_in
    assert stdnum_nip.is_valid(bank().holder_vat)


def test_booked_balance_equals_opening_plus_booked_transactions():
    sandbox = bank()
    consent = connect(sandbox)
    for account in sandbox.list_accounts(consent):
        history = all_transactions(
            sandbox, consent, account, EPOCH, NOW.date() + datetime.timedelta(days=5)
        )
        booked_sum = sum((t.amount for t in history if t.is_booked), Decimal(0))
        pending_sum = sum((t.amount for t in history if not t.is_booked), Decimal(0))
        balances = {
            b.balance_type: b.amount for b in sandbox.fetch_balances(consent, account.remote_id)
        }
        opening = sandbox._opening_balance(account.remote_id.split("-")[1])
        assert balances["closingBooked"] == opening + booked_sum
        assert balances["interimAvailable"] == balances["closingBooked"] + pending_sum


def test_card_payments_are_pending_first_then_booked():
    sandbox = bank()
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    today = all_transactions(
        sandbox,
        consent,
        account,
        NOW.date() - datetime.timedelta(days=5),
        NOW.date() + datetime.timedelta(days=5),
    )
    pending = [t for t in today if not t.is_booked]
    assert pending and all(t.raw["proprietaryBankTransactionCode"] == "card" for t in pending)
    later = bank(clock=NOW + datetime.timedelta(days=4))
    later_consent = connect(later)
    ids = {
        t.provider_id: t
        for t in all_transactions(
            later,
            later_consent,
            account,
            NOW.date() - datetime.timedelta(days=5),
            NOW.date() + datetime.timedelta(days=5),
        )
    }
    assert all(ids[t.provider_id].is_booked for t in pending)


def test_some_transfers_are_published_days_after_their_booking_date():
    """What the overlap window is for: the sync of the booking day could not see them."""
    history = bank()._history("main")
    late = [
        (transaction, visible_at)
        for transaction, visible_at, _pending in history
        if transaction.raw["proprietaryBankTransactionCode"] == "transfer_in"
        and visible_at.date() >= transaction.booking_date + datetime.timedelta(days=2)
    ]
    assert late
    transaction, visible_at = late[-1]
    day = transaction.booking_date
    evening = datetime.datetime.combine(day, datetime.time(20, 0))
    for clock, expected in ((evening, False), (visible_at, True)):
        sandbox = bank(clock=clock)
        consent = connect(sandbox)
        account = sandbox.list_accounts(consent)[0]
        listed = {t.provider_id for t in all_transactions(sandbox, consent, account, day, day)}
        assert (transaction.provider_id in listed) is expected


def test_identical_card_twins_exist_and_lose_their_ids_when_ids_are_off():
    sandbox = bank(with_transaction_ids=False)
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    history = all_transactions(
        sandbox, consent, account, datetime.date(2026, 1, 1), datetime.date(2026, 11, 20)
    )
    assert all(t.provider_id == "" for t in history)
    contents = [(t.booking_date, t.amount, t.counterparty_name, t.remittance) for t in history]
    assert len(contents) > len(set(contents)), "no identical twins generated"


def test_announced_invoice_is_paid_on_the_day_it_is_announced():
    payment = {
        "reference": "FV/2026/11/0042",
        "amount": "1230.00",
        "partner_name": "BUDMAX SP. Z O.O.",
        "partner_iban": "PL61109010140000071219812874",
        "announced_at": "2026-11-26T09:00:00",
    }
    sandbox = bank(announced_payments=[payment])
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    today = all_transactions(sandbox, consent, account, NOW.date(), NOW.date())
    paid = [
        t
        for t in today
        if t.amount == Decimal("1230.00") and t.counterparty_name == "BUDMAX SP. Z O.O."
    ]
    assert len(paid) == 1
    compact = paid[0].remittance.replace(" ", "").upper()
    assert "2026" in compact and "42" in compact


def test_announced_bill_is_paid_out_from_the_account_in_its_currency():
    payment = {
        "reference": "RE-2026-118",
        "amount": "310.00",
        "currency": "EUR",
        "kind": "in_invoice",
        "partner_name": "Müller Maschinenbau GmbH",
        "announced_at": "2026-11-26T09:00:00",
    }
    sandbox = bank(announced_payments=[payment])
    consent = connect(sandbox)
    eur = sandbox.list_accounts(consent)[2]
    today = all_transactions(sandbox, consent, eur, NOW.date(), NOW.date())
    assert [t.amount for t in today if "RE-2026-118" in t.remittance] == [Decimal("-310.00")]


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"fault": "unavailable"}, errors.ProviderUnavailable),
        ({"fault": "rate_limited"}, errors.RateLimited),
        ({"fault": "consent_expired"}, errors.ConsentExpired),
        ({"revoked": True}, errors.ConsentRevoked),
    ],
)
def test_faults_raise_typed_errors(settings, error):
    healthy = bank()
    consent = connect(healthy)
    account = healthy.list_accounts(consent)[0]
    with pytest.raises(error):
        bank(**settings).fetch_transactions(consent, account.remote_id, *WEEK)


def test_expired_consent_is_refused():
    sandbox = bank()
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    later = bank(clock=NOW + datetime.timedelta(days=CONSENT_DAYS + 1))
    with pytest.raises(errors.ConsentExpired):
        later.fetch_balances(consent, account.remote_id)


def test_unknown_account_and_garbage_page_token_are_bad_payloads():
    sandbox = bank()
    consent = connect(sandbox)
    with pytest.raises(errors.BadPayload):
        sandbox.fetch_balances(consent, "nope")
    account = sandbox.list_accounts(consent)[0]
    with pytest.raises(errors.BadPayload):
        sandbox.fetch_transactions(consent, account.remote_id, *WEEK, page="'; DROP TABLE")


def test_unknown_institution_is_rejected():
    with pytest.raises(errors.ConsentRejected):
        bank().start_consent("NOPE", redirect_url="", state="")


# -- Scripted transactions -------------------------------------------------------------------------
HOTEL_STAGES = [
    {
        "from": "2026-11-20T18:00:00",
        "status": "pending",
        "id": "SBXHOLD1",
        "booking_date": "2026-11-20",
        "amount": "-450.00",
        "name": "HOTEL BRISTOL WARSZAWA",
        "title": "Płatność kartą 20.11.2026",
    },
    {
        "from": "2026-11-25T05:00:00",
        "status": "booked",
        "id": "SBXBOOK1",
        "booking_date": "2026-11-20",
        "amount": "-432.18",
        "name": "HOTEL BRISTOL WARSZAWA",
        "title": "Płatność kartą 20.11.2026",
    },
]


def scripted_view(clock, **settings):
    scripts = [{"account": "main", "stages": HOTEL_STAGES}]
    sandbox = bank(clock, scripted_transactions=scripts, **settings)
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    listing = all_transactions(sandbox, consent, account, *WEEK)
    return sandbox, consent, account, [t for t in listing if "HOTEL" in t.counterparty_name]


def test_scripted_payment_is_pending_then_booked_under_another_id_and_amount():
    *_bank, before = scripted_view(datetime.datetime(2026, 11, 19))
    *_bank, pending = scripted_view(datetime.datetime(2026, 11, 22))
    *_bank, booked = scripted_view(NOW)
    assert before == []
    assert [(t.status, t.provider_id, t.amount) for t in pending] == [
        ("pending", "SBXHOLD1", Decimal("-450.00"))
    ]
    assert [(t.status, t.provider_id, t.amount) for t in booked] == [
        ("booked", "SBXBOOK1", Decimal("-432.18"))
    ]


def test_scripted_payment_counts_in_the_balances():
    plain = bank()
    plain_consent = connect(plain)
    account = plain.list_accounts(plain_consent)[0]
    sandbox, consent, account, _hotel = scripted_view(NOW)
    plain_booked = plain.fetch_balances(plain_consent, account.remote_id)[0].amount
    assert sandbox.fetch_balances(consent, account.remote_id)[0].amount == plain_booked - Decimal(
        "432.18"
    )


def test_scripting_leaves_the_other_transactions_in_their_order():
    plain = bank()
    plain_consent = connect(plain)
    account = plain.list_accounts(plain_consent)[0]
    generated = all_transactions(plain, plain_consent, account, *WEEK)
    sandbox, consent, account, _hotel = scripted_view(NOW)
    scripted = all_transactions(sandbox, consent, account, *WEEK)
    assert [t for t in scripted if "HOTEL" not in t.counterparty_name] == generated
    assert [t.booking_date for t in scripted] == sorted(t.booking_date for t in scripted)


def test_scripted_payment_can_disappear():
    sandbox = bank()
    consent = connect(sandbox)
    account = sandbox.list_accounts(consent)[0]
    released = HOTEL_STAGES[:1] + [{"from": "2026-11-24T00:00:00", "status": "gone"}]
    sandbox.add_scripted(account.remote_id, released)
    listing = all_transactions(sandbox, consent, account, *WEEK)
    assert not [t for t in listing if "HOTEL" in t.counterparty_name]


def test_bank_without_ids_keeps_its_own_id_in_the_raw_record():
    *_bank, hotel = scripted_view(NOW, with_transaction_ids=False)
    assert (hotel[0].provider_id, hotel[0].raw["transactionId"]) == ("", "SBXBOOK1")
