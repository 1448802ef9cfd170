"""RS256 JWTs as Enable Banking wants them, signed and verified without PyJWT."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from engine import jwt
from engine.protocol_sandbox.enablebanking import TEST_PUBLIC_KEY_PATH, sandbox_private_key

CLAIMS = {"iss": "enablebanking.com", "aud": "api.enablebanking.com", "iat": 1000, "exp": 4600}


def test_token_carries_the_application_id_as_kid():
    token = jwt.encode_rs256(CLAIMS, sandbox_private_key(), kid="app-id")
    assert jwt.decode_header(token) == {"alg": "RS256", "kid": "app-id", "typ": "JWT"}


def test_token_verifies_with_the_matching_public_key():
    token = jwt.encode_rs256(CLAIMS, sandbox_private_key(), kid="app-id")
    with open(TEST_PUBLIC_KEY_PATH) as handle:
        claims = jwt.decode_rs256(
            token,
            handle.read(),
            audience="api.enablebanking.com",
            issuer="enablebanking.com",
            now=2000,
        )
    assert claims == CLAIMS


def test_token_signed_with_another_key_is_refused():
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode_rs256(CLAIMS, other, kid="app-id")
    with open(TEST_PUBLIC_KEY_PATH) as handle, pytest.raises(jwt.InvalidToken):
        jwt.decode_rs256(token, handle.read())


def test_expired_token_is_refused():
    token = jwt.encode_rs256(CLAIMS, sandbox_private_key())
    with open(TEST_PUBLIC_KEY_PATH) as handle, pytest.raises(jwt.InvalidToken, match="expired"):
        jwt.decode_rs256(token, handle.read(), now=9000)


def test_wrong_audience_is_refused():
    token = jwt.encode_rs256(dict(CLAIMS, aud="api.tilisy.com"), sandbox_private_key())
    with open(TEST_PUBLIC_KEY_PATH) as handle, pytest.raises(jwt.InvalidToken):
        jwt.decode_rs256(token, handle.read(), audience="api.enablebanking.com")


def test_unreadable_key_message_does_not_quote_the_key():
    with pytest.raises(ValueError) as caught:
        jwt.load_private_key("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----")
    assert "c2VjcmV0" not in str(caught.value)
