"""SM3 (GB/T 32905-2016) from the ``cryptography`` package, as the audit chain's hasher."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()
