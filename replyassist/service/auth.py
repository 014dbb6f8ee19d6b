"""API keys: kept only as SHA-256 digests, compared in constant time.

Keys come from the settings file (``[service] api_keys = [...]`` or, better, already hashed:
``api_key_hashes = ["sha256:<hex>"]``) and from the environment (``REPLYASSIST_API_KEYS``,
comma-separated). A client sends ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

>>> ks = KeyStore.from_keys(["s3cret"])
>>> ks.check("s3cret"), ks.check("nope"), ks.check(None)
(True, False, False)
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable

from ..errors import ConfigError, Errors

__all__ = ["KeyStore", "hash_key"]


def hash_key(key: str) -> str:
    """``sha256:<hex>`` of a key (what is stored and what ``api_key_hashes`` takes)."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The configured keys as digests. ``check`` compares against every one, without early exit."""

    def __init__(self, hashes: Iterable[str] = ()) -> None:
        out = []
        for h in hashes:
            h = h.strip()
            if not h:
                continue
            if not h.startswith("sha256:") or len(h) != 7 + 64:
                raise ConfigError(Errors.E086, start=h[:20])   # a ValueError too
            out.append(bytes.fromhex(h[7:]))
        self._digests = tuple(out)

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> "KeyStore":
        return cls(hash_key(k) for k in keys if k)

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def check(self, candidate: str | None) -> bool:
        if not candidate or not self._digests:
            return False
        d = hashlib.sha256(candidate.encode("utf-8", "surrogateescape")).digest()
        ok = False
        for ref in self._digests:  # constant time per key, and every key is compared
            ok |= hmac.compare_digest(d, ref)
        return ok


def key_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


if __name__ == "__main__":  # pragma: no cover - helper: print the stored form of a key
    import sys
    for k in sys.argv[1:]:
        print(hash_key(k))
