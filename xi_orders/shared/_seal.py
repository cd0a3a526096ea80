"""Sealing the shared access token so that what sits in Redis is useless without the secret.

Standard library only, one well-known construction (encrypt-then-MAC):

- keys: HKDF-SHA256 (RFC 5869) of the app's client secret, salted with a fixed label and
  bound to the client ID, expanded into an encryption key and a MAC key;
- encryption: HMAC-SHA256 as a pseudo-random function in counter mode over a fresh 16-byte
  random nonce (a stream cipher: keystream block i = HMAC(k_enc, nonce || i));
- authentication: HMAC-SHA256 over the version, the nonce, the Redis key name (so a sealed
  token cannot be moved to another key) and the ciphertext, checked in constant time.

Anyone who can read Redis but does not hold the client secret learns neither the token nor
its expiry, and cannot plant a token of their own: a blob that fails the check is treated as
absent (the next caller fetches a fresh token and overwrites it). A rotated secret has the
same effect. The fingerprint (a keyed hash of the token) lets a 401 delete exactly the token
it saw with a compare-and-delete, without Redis ever seeing the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_VERSION = b"xs1"
_NONCE = 16
_TAG = 32


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


class Sealer:
    """Seals and opens token blobs for one app (client ID + secret)."""

    __slots__ = ("_enc", "_mac")

    def __init__(self, client_id: str, client_secret: str) -> None:
        # HKDF-Extract(salt, IKM), then HKDF-Expand for two independent 32-byte keys.
        ikm = client_id.encode() + b"\x00" + client_secret.encode()
        prk = _hmac(b"xi-orders shared token v1", ikm)
        self._enc = _hmac(prk, b"encrypt\x01")
        self._mac = _hmac(prk, b"authenticate\x01")

    def __repr__(self) -> str:
        return "Sealer(<keys hidden>)"

    def fingerprint(self, token: str) -> str:
        """A keyed hash of ``token`` (32 hex characters): equal tokens, equal fingerprints."""
        return _hmac(self._mac, b"fingerprint\x00" + token.encode()).hex()[:32]

    def seal(self, plaintext: bytes, context: bytes) -> str:
        nonce = os.urandom(_NONCE)
        ciphertext = _xor(plaintext, self._keystream(nonce, len(plaintext)))
        tag = self._tag(nonce, context, ciphertext)
        return (_VERSION + b"." + base64.urlsafe_b64encode(nonce + ciphertext + tag)).decode()

    def open(self, blob: str, context: bytes) -> bytes | None:
        """The plaintext, or None when the blob was not sealed by these keys for ``context``."""
        version, _, body = blob.encode().partition(b".")
        if version != _VERSION:
            return None
        try:
            raw = base64.urlsafe_b64decode(body)
        except ValueError:
            return None
        if len(raw) < _NONCE + _TAG:
            return None
        nonce, ciphertext, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        if not hmac.compare_digest(tag, self._tag(nonce, context, ciphertext)):
            return None
        return _xor(ciphertext, self._keystream(nonce, len(ciphertext)))

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (length + 31) // 32
        return b"".join(_hmac(self._enc, nonce + i.to_bytes(4, "big")) for i in range(blocks))[
            :length
        ]

    def _tag(self, nonce: bytes, context: bytes, ciphertext: bytes) -> bytes:
        header = _VERSION + len(context).to_bytes(4, "big") + context
        return _hmac(self._mac, header + nonce + ciphertext)


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")
