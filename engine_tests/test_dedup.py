import datetime
from decimal import Decimal

from engine.dedup import MAX_KEY_LENGTH, KeyAssigner, fingerprint
from engine.records import Transaction

DAY = datetime.date(2026, 11, 2)


def card_payment(**changes):
    values = {
        "provider_id": "",
        "booking_date": DAY,
        "amount": Decimal("-12.99"),
        "currency": "PLN",
        "counterparty_name": "ZABKA Z5231 K.1 KRAKOW",
        "remittance": "Płatność kartą 02.11.2026",
    }
    values.update(changes)
    return Transaction(**values)


def test_provider_id_is_the_key_when_there_is_one():
    keys = KeyAssigner()
    assert keys.key_for(card_payment(provider_id="E2E-1")) == "id:E2E-1"
    assert keys.key_for(card_payment(provider_id="E2E-1")) == "id:E2E-1"


def test_identical_twins_without_id_get_two_keys():
    keys = KeyAssigner()
    first, second = keys.key_for(card_payment()), keys.key_for(card_payment())
    assert first != second
    assert first.endswith(":1") and second.endswith(":2")


def test_twins_get_the_same_two_keys_on_every_read():
    reads = []
    for _ in range(3):
        keys = KeyAssigner()
        reads.append((keys.key_for(card_payment()), keys.key_for(card_payment())))
    assert reads[0] == reads[1] == reads[2]


def test_counter_state_resumes_counting_after_an_interruption():
    keys = KeyAssigner()
    first = keys.key_for(card_payment())
    resumed = KeyAssigner(keys.state())
    second = resumed.key_for(card_payment())
    assert second != first and second.endswith(":2")


def test_cosmetic_differences_between_reads_keep_the_fingerprint():
    a = card_payment(
        remittance="Płatność  kartą 02.11.2026", counterparty_name="zabka z5231 k.1 krakow"
    )
    assert fingerprint(a) == fingerprint(card_payment())
    assert fingerprint(card_payment(amount=Decimal("-12.990"))) == fingerprint(card_payment())


def test_a_different_amount_day_or_title_is_a_different_transaction():
    base = fingerprint(card_payment())
    assert fingerprint(card_payment(amount=Decimal("-13.99"))) != base
    assert fingerprint(card_payment(booking_date=DAY + datetime.timedelta(days=1))) != base
    assert fingerprint(card_payment(remittance="Płatność kartą 03.11.2026")) != base
    assert fingerprint(card_payment(currency="EUR")) != base


def test_very_long_provider_ids_are_hashed_to_a_bounded_key():
    key = KeyAssigner().key_for(card_payment(provider_id="x" * 500))
    assert len(key) <= MAX_KEY_LENGTH and key.startswith("idh:")
