"""UMKM reference codes and their Damm check digit."""

import pytest
from stdnum import damm

from satudata.registry.codes import format_code, format_codes, is_valid_code


@pytest.mark.parametrize("first", [0, 1, 987_654, 9_999_990_000])
def test_format_codes_equals_stdnum_damm(first):
    count = 10_000 if first < 9_999_990_000 else 9_999
    codes = format_codes(first, count).to_list()

    expected = [f"UM{n:010d}{damm.calc_check_digit(f'{n:010d}')}" for n in range(first, first + count)]
    assert codes == expected


def test_format_codes_match_single_code():
    assert format_codes(42, 3).to_list() == [format_code(42), format_code(43), format_code(44)]


def test_formatted_codes_are_valid():
    assert all(is_valid_code(code) for code in format_codes(1, 2_000))


def test_changed_digit_is_invalid():
    code = format_code(1234)
    digit = code[-2]
    altered = code[:-2] + str((int(digit) + 1) % 10) + code[-1]
    assert not is_valid_code(altered)


def test_swapped_digits_are_invalid():
    code = format_code(1_234_567)
    assert code[-3] != code[-2]
    swapped = code[:-3] + code[-2] + code[-3] + code[-1]
    assert not is_valid_code(swapped)
