"""The vectorized NIK and phone rules agree with lokal-id's parsers, case by case.

lokal-id checks one value at a time; the engine checks a million rows as vectors. The engine
is stricter in one respect: a NIK's district must exist in a loaded region edition, so the
generated NIKs below always use real district codes.
"""

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lokal import normalize_phone, parse_nik

from satudata.producers.models import Producer
from satudata.submissions.services import rule_context
from satudata.validation.engine import Validator
from satudata.validation.specs import StandardSpec, VariableSpec

pytestmark = pytest.mark.django_db

DISTRICTS = ["32.73.01", "11.01.01", "31.74.07", "96.01.01", "53.71.01", "18.71.01"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_contexts: dict = {}


def _engine(variable: VariableSpec):
    if "ctx" not in _contexts:
        ctx = rule_context(Producer.objects.get(code="kementerian-umkm"))
        ctx.today = dt.date(2026, 12, 4)
        _contexts["ctx"] = ctx
    return Validator(StandardSpec("test", (variable,)), _contexts["ctx"], [variable.code])


def _run(variable: VariableSpec, values: list[str]) -> pl.DataFrame:
    batch = pl.DataFrame({"__row": list(range(2, len(values) + 2)), variable.code: values},
                         schema={"__row": pl.Int64, variable.code: pl.String})
    return _engine(variable).validate(batch)


nik_digits = st.builds(
    lambda district, day, month, yy, serial: district.replace(".", "") + f"{day:02d}{month:02d}{yy:02d}{serial:04d}",
    st.sampled_from(DISTRICTS), st.integers(0, 79), st.integers(0, 14), st.integers(0, 99), st.integers(0, 9999),
)


@SETTINGS
@given(niks=st.lists(nik_digits, min_size=1, max_size=40, unique=True))
def test_nik_validity_matches_lokal(niks):
    variable = VariableSpec(code="owner_nik", datatype="nik", required=True)
    result = _run(variable, niks)
    rejected = set(result.errors.get_column("row").to_list())
    for row, nik in enumerate(niks, start=2):
        expected = parse_nik(nik, reference_date=dt.date(2026, 12, 4)).valid
        assert (row not in rejected) == expected, nik


phone_text = st.builds(
    lambda prefix, body, sep: prefix + sep.join([body[:3], body[3:7], body[7:]]),
    st.sampled_from(["0", "+62", "62", "", "00", "+6208", "1"]),
    st.text(alphabet="0123456789", min_size=5, max_size=14),
    st.sampled_from(["", "-", " ", "."]),
)


@SETTINGS
@given(phones=st.lists(phone_text, min_size=1, max_size=40, unique=True))
def test_phone_normalization_matches_lokal(phones):
    variable = VariableSpec(code="owner_phone", datatype="phone")
    result = _run(variable, phones)
    values = dict(zip(result.valid.get_column("__row").to_list(), result.valid.get_column("owner_phone").to_list(),
                      strict=True))
    for row, phone in enumerate(phones, start=2):
        expected = normalize_phone(phone)
        assert values.get(row) == expected, phone
