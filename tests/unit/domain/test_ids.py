import datetime as dt

import pytest

from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import (
    DivisionCode,
    DivisionLevel,
    ResidentId,
    Sex,
    id_check_char,
    make_resident_id,
    mask_identifiers,
)

# The worked example of GB 11643-1999 (a published specimen, not a person).
SPECIMEN = "11010519491231002X"


def test_accepts_the_standard_specimen_with_check_character_x():
    rid = ResidentId(SPECIMEN)
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE
    assert rid.address_code == "110105"


def test_check_char_follows_the_mod_11_2_weights():
    assert id_check_char(SPECIMEN[:17]) == "X"
    total = sum(
        int(d) * w
        for d, w in zip("53232819800503021", (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    assert id_check_char("53232819800503021") == "10X98765432"[total % 11]


@pytest.mark.parametrize("last", list("0123456789X"))
def test_only_one_check_character_is_valid(last):
    value = SPECIMEN[:17] + last
    if last == "X":
        ResidentId(value)
    else:
        with pytest.raises(DomainError) as e:
            ResidentId(value)
        assert e.value.code == "ID_CHECKSUM"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002", "ID_FORMAT"),
        ("11010519491231002XX", "ID_FORMAT"),
        ("11010519491231002x", "ID_FORMAT"),  # lower-case x only via parse()
        ("110105194902300021", "ID_BIRTHDATE"),  # 30 February
        ("110105189912310021", "ID_BIRTHDATE"),  # before 1900
    ],
)
def test_rejects_malformed_ids_with_a_stable_code(raw, code):
    with pytest.raises(DomainError) as e:
        ResidentId(raw)
    assert e.value.code == code


def test_parse_trims_and_uppercases():
    assert ResidentId.parse(" 11010519491231002x ").value == SPECIMEN


def test_masks_all_but_first_and_last_four_and_never_prints_in_full():
    rid = ResidentId(SPECIMEN)
    assert rid.masked() == "1101**********002X"
    assert SPECIMEN not in str(rid) and SPECIMEN not in repr(rid)


def test_age_counts_the_birthday_itself():
    rid = ResidentId(SPECIMEN)
    assert rid.age_on(dt.date(2026, 12, 30)) == 76
    assert rid.age_on(dt.date(2026, 12, 31)) == 77


def test_made_ids_are_valid_and_carry_sex_in_the_sequence_parity():
    male = make_resident_id("532328", dt.date(1980, 5, 3), 21)
    female = make_resident_id("532328", dt.date(1980, 5, 3), 22)
    assert male.sex is Sex.MALE and female.sex is Sex.FEMALE
    assert ResidentId(male.value) == male


def test_division_code_levels_and_ancestors():
    village = DivisionCode("532328101201")
    assert village.level is DivisionLevel.VILLAGE
    assert village.ancestor(DivisionLevel.TOWNSHIP).value == "532328101000"
    assert village.ancestor(DivisionLevel.COUNTY).county_code == "532328"
    assert DivisionCode("532328000000").contains(village)
    assert not DivisionCode("532327000000").contains(village)


def test_division_parse_pads_six_and_nine_digit_codes():
    assert DivisionCode.parse("532328").value == "532328000000"
    assert DivisionCode.parse("532328101").level is DivisionLevel.TOWNSHIP


@pytest.mark.parametrize("raw", ["53232810120", "5323281012011", "00232810120a", "000000000000"])
def test_division_rejects_bad_format(raw):
    with pytest.raises(DomainError) as e:
        DivisionCode(raw)
    assert e.value.code == "DIVISION_FORMAT"


def test_division_rejects_a_village_without_a_township():
    with pytest.raises(DomainError):
        DivisionCode("532328000201")


def test_identifiers_in_free_text_are_masked():
    text = "Key (person_id)=(11010519491231002X) already exists; phone 13812345678; code 532328101201"
    masked = mask_identifiers(text)
    assert "11010519491231002X" not in masked and "1101**********002X" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "532328101201" in masked  # a 12-digit division code is not personal
