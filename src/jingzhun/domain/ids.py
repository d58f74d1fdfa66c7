"""Identifier value objects: resident ID numbers (GB 11643-1999) and division codes.

GB 11643-1999: 17 digits (6-digit address code, 8-digit birth date, 3-digit sequence whose
parity gives the sex: odd = male) and a check character computed with ISO 7064 MOD 11-2:
weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check = (12 − Σ mod 11) mod 11, 10 written ``X``.

Division codes follow the 12-digit statistical division code of the National Bureau of
Statistics (统计用区划代码): province 2 + prefecture 2 + county 2 + township 3 + village 3;
the first six digits are the GB/T 2260 administrative code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.errors import DomainError

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # index = Σ mod 11
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise DomainError("ID_FORMAT", "身份证号前17位必须是数字")
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated 18-character resident ID number (公民身份号码).

    Construction checks format, birth date and the check character; the address code is
    checked against the division reference by the caller (the reference is data, not domain).
    """

    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str) or not _ID_RE.match(v):
            raise DomainError("ID_FORMAT", "身份证号应为18位：17位数字加1位校验码（数字或X）")
        try:
            dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            raise DomainError("ID_BIRTHDATE", f"身份证号中的出生日期 {v[6:14]} 不是有效日期") from None
        if int(v[6:10]) < 1900:
            raise DomainError("ID_BIRTHDATE", f"身份证号中的出生日期 {v[6:14]} 早于1900年")
        if id_check_char(v[:17]) != v[17]:
            raise DomainError("ID_CHECKSUM", "身份证号校验码错误（GB 11643）")

    @classmethod
    def parse(cls, raw: str) -> ResidentId:
        """Parse user input: trims spaces and accepts a lower-case ``x``."""
        return cls(raw.strip().upper())

    @property
    def address_code(self) -> str:
        return self.value[:6]

    @property
    def birth_date(self) -> dt.date:
        v = self.value
        return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self.value[16]) % 2 == 1 else Sex.FEMALE

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day`` (a birthday counts on the day itself)."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def masked(self, keep_head: int = 4, keep_tail: int = 4) -> str:
        """Masked for screens and exports, e.g. ``5323**********0021`` (GB/T 35273 §7.2)."""
        v = self.value
        return v[:keep_head] + "*" * (len(v) - keep_head - keep_tail) + v[-keep_tail:]

    def __str__(self) -> str:  # never print a full ID by accident
        return self.masked()

    def __repr__(self) -> str:
        return f"ResidentId({self.masked()!r})"


_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_identifiers(text: str) -> str:
    """Mask every ID-number- or mobile-shaped run of digits in free text (errors, logs).

    Database errors quote the offending row; a message that reaches a screen or a log must
    not carry a full ID number or phone (GB/T 35273 §7.2, security goal 6).
    """
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def make_resident_id(address_code: str, birth: dt.date, sequence: int) -> ResidentId:
    """Build a valid ID from its parts (used by the synthetic generator and tests)."""
    if not (0 <= sequence <= 999):
        raise DomainError("ID_FORMAT", "顺序码必须在000到999之间")
    first17 = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return ResidentId(first17 + id_check_char(first17))


class DivisionLevel(StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


_LEVEL_SPANS: dict[DivisionLevel, int] = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.PREFECTURE: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
    DivisionLevel.VILLAGE: 12,
}


@dataclass(frozen=True, slots=True, order=True)
class DivisionCode:
    """A 12-digit statistical division code, at any level (trailing zeros = higher level)."""

    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str) or len(v) != 12 or not v.isdigit():
            raise DomainError("DIVISION_FORMAT", "行政区划代码应为12位数字")
        if v[:2] == "00":
            raise DomainError("DIVISION_FORMAT", "行政区划代码的省级部分不能为00")
        # A lower level may only be set when every higher level is set.
        seen_zero = False
        for level in DivisionLevel:
            part = self.part(level)
            if int(part) == 0:
                seen_zero = True
            elif seen_zero:
                raise DomainError("DIVISION_FORMAT", f"行政区划代码 {v} 的层级不连续")

    @classmethod
    def parse(cls, raw: str) -> DivisionCode:
        """Accept 6, 9 or 12 digits and pad to 12 (6-digit GB/T 2260 codes are counties or above)."""
        s = raw.strip()
        if s.isdigit() and len(s) in (6, 9):
            s = s.ljust(12, "0")
        return cls(s)

    def part(self, level: DivisionLevel) -> str:
        end = _LEVEL_SPANS[level]
        start = {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}[end]
        return self.value[start:end]

    @property
    def level(self) -> DivisionLevel:
        deepest = DivisionLevel.PROVINCE
        for level in DivisionLevel:
            if int(self.part(level)) != 0:
                deepest = level
        return deepest

    def ancestor(self, level: DivisionLevel) -> DivisionCode:
        """The code of the enclosing unit at ``level`` (itself when already at that level)."""
        span = _LEVEL_SPANS[level]
        return DivisionCode(self.value[:span].ljust(12, "0"))

    @property
    def county_code(self) -> str:
        """The 6-digit GB/T 2260 county code."""
        return self.value[:6]

    def contains(self, other: DivisionCode) -> bool:
        """True when ``other`` lies inside this unit (a unit contains itself)."""
        span = _LEVEL_SPANS[self.level]
        return other.value[:span] == self.value[:span]

    def __str__(self) -> str:
        return self.value
