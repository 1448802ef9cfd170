"""RS256 JSON Web Tokens, signed and verified with ``cryptography`` only.

Enable Banking authenticates every API call with a JWT the *application* signs itself with
the RSA key registered in its Control Panel (no OAuth client credentials): header
``{"typ": "JWT", "alg": "RS256", "kid": <application id>}``, claims ``iss``, ``aud``,
``iat`` and ``exp`` (official samples, ``enablebanking/enablebanking-api-samples``
``python_example/account_information.py`` and the Postman collection's pre-request script).
Salt Edge signs requests with the same primitive (RSA-SHA256), so this module is the one
place that touches key material. PyJWT is deliberately not a dependency: Odoo 18 does not
ship it and three functions are all we need.

Keys are PEM text (``str`` or ``bytes``). Nothing here logs, and no exception message ever
contains key material or a token.

>>> from cryptography.hazmat.primitives.asymmetric import rsa
>>> key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
>>> token = encode_rs256({"iss": "x", "exp": 2_000_000_000}, key, kid="app-1")
>>> decode_rs256(token, key.public_key(), now=1_900_000_000)["iss"]
'x'
"""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class InvalidToken(ValueError):
    """The token is malformed, badly signed, expired or meant for someone else."""


def load_private_key(pem):
    """Return the RSA private key in ``pem`` (text or bytes, unencrypted PKCS#1 or PKCS#8).

    :raise ValueError: the text is not a PEM key; :raise TypeError: it is not an RSA key.
        Neither message quotes the key.
    """
    if isinstance(pem, rsa.RSAPrivateKey):
        return pem
    data = pem.encode() if isinstance(pem, str) else bytes(pem or b"")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ValueError("The private key is not a readable PEM RSA key.") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("The private key is not an RSA key (RS256 needs RSA).")
    return key


def load_public_key(pem):
    """Return the RSA public key in ``pem`` (a ``PUBLIC KEY`` block or a certificate-less key)."""
    if isinstance(pem, rsa.RSAPublicKey):
        return pem
    data = pem.encode() if isinstance(pem, str) else bytes(pem or b"")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ValueError("The public key is not a readable PEM RSA key.") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("The public key is not an RSA key.")
    return key


def encode_rs256(claims, private_key, *, kid=None, headers=None):
    """Return the compact JWS (``header.payload.signature``) of ``claims`` signed with RS256."""
    key = load_private_key(private_key)
    header = {"typ": "JWT", "alg": "RS256"}
    if kid is not None:
        header["kid"] = kid
    header.update(headers or {})
    signing_input = f"{_b64_json(header)}.{_b64_json(claims)}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def decode_header(token):
    """Return the (unverified) header of ``token``: used to pick the key by ``kid``."""
    parts = _split(token)
    return _json_part(parts[0])


def decode_rs256(token, public_key, *, audience=None, issuer=None, now=None, leeway=60):
    """Verify ``token`` with ``public_key`` and return its claims.

    :param audience: when given, the ``aud`` claim must equal it.
    :param issuer: when given, the ``iss`` claim must equal it.
    :param now: current POSIX time; when given, ``exp`` (required) must be in the future and
        ``iat`` not in the future, both with ``leeway`` seconds of clock skew.
    :raise InvalidToken: with a reason safe to show (it never quotes the token).
    """
    parts = _split(token)
    header = _json_part(parts[0])
    if header.get("alg") != "RS256":
        raise InvalidToken("The token is not signed with RS256.")
    key = load_public_key(public_key)
    try:
        signature = base64.urlsafe_b64decode(_pad(parts[2]))
        key.verify(
            signature,
            f"{parts[0]}.{parts[1]}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as error:
        raise InvalidToken("The token signature does not match the key.") from error
    claims = _json_part(parts[1])
    if audience is not None and claims.get("aud") != audience:
        raise InvalidToken("The token is meant for another audience.")
    if issuer is not None and claims.get("iss") != issuer:
        raise InvalidToken("The token comes from another issuer.")
    if now is not None:
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or exp + leeway < now:
            raise InvalidToken("The token has expired.")
        if isinstance(iat, int | float) and iat - leeway > now:
            raise InvalidToken("The token was issued in the future.")
    return claims


def _split(token):
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidToken("The token is not a compact JWS.")
    return token.split(".")


def _json_part(part):
    try:
        value = json.loads(base64.urlsafe_b64decode(_pad(part)))
    except (ValueError, TypeError) as error:
        raise InvalidToken("The token is not valid base64url JSON.") from error
    if not isinstance(value, dict):
        raise InvalidToken("The token part is not a JSON object.")
    return value


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64_json(value):
    return _b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def _pad(text):
    return text + "=" * (-len(text) % 4)
