"""Password hashing: Argon2id (RFC 9106) via argon2-cffi, the library's recommended parameters.

Only the hash is stored. ``verify`` never raises for a wrong password or a malformed hash (a
login must fail, not crash), and ``needs_rehash`` tells the login to upgrade a hash made with
older parameters. Passwords under 8 characters, or all digits and shorter than 12, are refused
(等保 2.0 asks for complexity; a phone-typed numeric PIN is the common weak choice).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jingzhun.domain.errors import DomainError

_HASHER = PasswordHasher()
MIN_LENGTH = 8


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH or (password.isdigit() and len(password) < 12):
        raise DomainError("PASSWORD_WEAK", f"密码至少 {MIN_LENGTH} 位，且不能是少于 12 位的纯数字", field="password")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
