"""Field encryption and blind indexes (security.md D-3, decision 1).

Ciphertexts carry their algorithm and key id ("A256GCM:k1:<base64 nonce+ct>") so keys can be
rotated and SM4-GCM can replace AES-256-GCM without a migration of the format.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_KEY_BYTES = {"A256GCM": 32, "SM4GCM": 16}


def _derive(label: str, length: int) -> bytes:
    """Development and test keys derived from SECRET_KEY; production sets real ones."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label.encode()).derive(
        settings.SECRET_KEY.encode()
    )


@cache
def field_keys() -> dict[str, bytes]:
    if settings.FIELD_KEYS_ENV:
        keys = {}
        for item in settings.FIELD_KEYS_ENV.split(","):
            key_id, _, b64 = item.partition(":")
            keys[key_id.strip()] = base64.b64decode(b64.strip())
        return keys
    return {"dev1": _derive("cocreate-field-key-dev1", 32)}


def current_key_id() -> str:
    key_id = settings.FIELD_KEY_ID or next(iter(field_keys()))
    if key_id not in field_keys():
        raise ImproperlyConfigured(f"Field key {key_id!r} is not among COCREATE_FIELD_KEYS.")
    return key_id


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    body, tag = data[:-16], data[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def encrypt(plaintext: str, *, key_id: str | None = None, cipher: str | None = None) -> str:
    cipher = cipher or settings.FIELD_CIPHER
    key_id = key_id or current_key_id()
    key = field_keys()[key_id][: _KEY_BYTES[cipher]]
    nonce = os.urandom(12)
    if cipher == "A256GCM":
        body = AESGCM(key).encrypt(nonce, plaintext.encode(), key_id.encode())
    elif cipher == "SM4GCM":
        body = _sm4_gcm_encrypt(key, nonce, plaintext.encode())
    else:
        raise ImproperlyConfigured(f"Unknown field cipher {cipher!r}")
    return f"{cipher}:{key_id}:{base64.b64encode(nonce + body).decode()}"


def decrypt(token: str) -> str:
    cipher, key_id, b64 = token.split(":", 2)
    raw = base64.b64decode(b64)
    nonce, body = raw[:12], raw[12:]
    key = field_keys()[key_id][: _KEY_BYTES[cipher]]
    if cipher == "A256GCM":
        return AESGCM(key).decrypt(nonce, body, key_id.encode()).decode()
    return _sm4_gcm_decrypt(key, nonce, body).decode()


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


@cache
def _blind_index_key() -> bytes:
    if settings.BLIND_INDEX_KEY_ENV:
        return base64.b64decode(settings.BLIND_INDEX_KEY_ENV)
    return _derive("cocreate-blind-index", 32)


def blind_index(value: str) -> str:
    """A keyed hash for equality look-ups of an encrypted value (HMAC-SHA256 or HMAC-SM3)."""
    if settings.HASH_ALGORITHM == "SM3":
        mac = crypto_hmac.HMAC(_blind_index_key(), hashes.SM3())
        mac.update(value.encode())
        return mac.finalize().hex()
    return hmac.new(_blind_index_key(), value.encode(), hashlib.sha256).hexdigest()


def chain_hash(previous: str, canonical: bytes, algorithm: str | None = None) -> str:
    """The hash of a chained ledger or audit row: H(previous ‖ canonical row). Verifiers pass
    the algorithm stored with the row, so a switch to SM3 leaves older rows verifiable."""
    if (algorithm or settings.HASH_ALGORITHM) == "SM3":
        h = hashes.Hash(hashes.SM3())
        h.update(previous.encode() + canonical)
        return h.finalize().hex()
    return hashlib.sha256(previous.encode() + canonical).hexdigest()
