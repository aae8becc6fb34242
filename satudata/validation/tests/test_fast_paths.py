"""Property tests: a fast path accepts a cell only when the full rule accepts it with the same value.

The engine sends only the cells a fast path does not accept through the full rule, so a fast
path that accepted a cell the full rule rejects would let an invalid value into the registry.
These tests run both on generated cells and compare them the way the engine combines them.
"""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satudata.reference.lookups import CodeListLookup, RegionLookup
from satudata.submissions.reading import cell_text
from satudata.validation.engine import VALUE_TYPES
from satudata.validation.fast import FAST_PATHS, FORMS
from satudata.validation.rules import RULES, RuleContext
from satudata.validation.specs import VariableSpec

TODAY = dt.date(2026, 1, 15)
VILLAGES = ["32.73.01.1001", "32.73.01.1002", "32.04.05.2001", "61.01.05.2003"]
REGIONS = RegionLookup(
    edition="test",
    villages=pl.Series(VILLAGES, dtype=pl.String),
    codes_by_level={},
    # 11.01.01 has no province in the list, so the full rule rejects its NIKs as province_unknown.
    nik_districts=pl.Series(["11.01.01", "32.04.05", "32.73.01", "61.01.05"], dtype=pl.String),
    nik_provinces=pl.Series(["32", "61"], dtype=pl.String),
)
SEX = CodeListLookup(
    kind="sex", edition="test", is_complete=True, codes_by_level={},
    aliases={"l": "L", "p": "P", "laki-laki": "L", "perempuan": "P", "laki laki": "L"},
    labels={"L": "Laki-laki", "P": "Perempuan"},
)
CONTEXT = RuleContext(today=TODAY, regions=REGIONS, code_lists={"sex": SEX})
SPECS = {
    "money": VariableSpec("capital", "money", domain={"minimum": 0}),
    "money_unbounded": VariableSpec("amount", "money"),
    "decimal": VariableSpec("ratio", "decimal", domain={"minimum": 0, "maximum": 100}),
    "integer": VariableSpec("workers", "integer", domain={"minimum": 0, "maximum": 100000}),
    "date": VariableSpec("birth_date", "date", domain={"minimum": "1900-01-01"}),
    "nik": VariableSpec("owner_nik", "nik"),
    "phone": VariableSpec("owner_phone", "phone"),
    "region": VariableSpec("village_code", "region"),
    "text": VariableSpec("business_name", "text", domain={"max_length": 12}),
    "nib": VariableSpec("nib", "nib"),
    "email": VariableSpec("owner_email", "email", domain={"max_length": 20}),
    "rt_rw": VariableSpec("business_rt", "rt_rw"),
    "latitude": VariableSpec("latitude", "latitude", domain={"minimum": -11.5, "maximum": 6.5}),
    "year": VariableSpec("year_started", "year", domain={"minimum": 0}),
    "month": VariableSpec("month_started", "month"),
    "boolean": VariableSpec("owner_disability", "boolean"),
    "code": VariableSpec("owner_sex", "code", code_list="sex"),
}
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fast_and_full(cells: list[str | None], numeric: list[bool], spec: VariableSpec,
                  probed: bool = False) -> pl.DataFrame:
    """Return, per cell, whether the fast path accepted it, its value, and the full rule's value and error.

    With ``probed``, the fast path parses only the ``FORMS`` that some cell shows, as the engine builds it.
    """
    frame = pl.DataFrame({"x": cells, "num": numeric}, schema={"x": pl.String, "num": pl.Boolean})
    raw, flag = pl.col("x"), pl.col("num")
    dtype = VALUE_TYPES[spec.datatype]
    if probed:
        tests = FORMS[spec.datatype](raw)
        forms = frozenset(form for form, test in tests.items() if frame.select(test.any()).item())
        value, ok = FAST_PATHS[spec.datatype](raw, flag, spec, CONTEXT, forms=forms)
    else:
        value, ok = FAST_PATHS[spec.datatype](raw, flag, spec, CONTEXT)
    present = (raw.is_not_null() & (raw.str.len_bytes() > 0)).fill_null(False)
    ok = present & ok.fill_null(False)
    # The full rule receives the cell as the engine passes it: trimmed, with an empty cell as null.
    trimmed = raw.str.strip_chars()
    trimmed = pl.when(trimmed == "").then(None).otherwise(trimmed)
    full = RULES[spec.datatype](trimmed, flag, spec, CONTEXT)
    return frame.lazy().select(
        "x", "num",
        ok.alias("ok"),
        pl.when(ok).then(value.cast(dtype)).alias("fast"),
        full.value.cast(dtype).alias("full"),
        pl.when(trimmed.is_not_null()).then(full.error).alias("error"),
    ).collect()


def assert_fast_agrees(cells: list[str | None], spec: VariableSpec,
                       numeric: list[bool] | None = None) -> None:
    for probed in (False, True) if spec.datatype in FORMS else (False,):
        result = fast_and_full(cells, numeric or [False] * len(cells), spec, probed)
        accepted = result.filter(pl.col("ok"))
        rejected_by_rule = accepted.filter(pl.col("error").is_not_null())
        assert rejected_by_rule.height == 0, f"fast path accepts cells the full rule rejects:\n{rejected_by_rule}"
        different = accepted.filter(pl.col("fast").ne_missing(pl.col("full")))
        assert different.height == 0, f"fast path and full rule give different values:\n{different}"


def _noisy(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Cells as people type them: the value, maybe with spaces around it or a sign in front."""
    prefix = st.sampled_from(["", " ", "+", "-", "\t"])
    suffix = st.sampled_from(["", " ", "\n"])
    return st.tuples(prefix, strategy, suffix).map("".join)


# -- numbers ---------------------------------------------------------------------------------------

number_text = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}".replace(",", ".")),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
    st.text(alphabet="0123456789.,+-eE _", max_size=14),
)


@SETTINGS
@given(st.lists(_noisy(number_text), min_size=1, max_size=40))
def test_money_fast_path_agrees(cells):
    assert_fast_agrees(cells, SPECS["money"])
    assert_fast_agrees(cells, SPECS["money_unbounded"])
    assert_fast_agrees(cells, SPECS["decimal"])


@SETTINGS
@given(st.lists(_noisy(number_text), min_size=1, max_size=40))
def test_integer_fast_path_agrees(cells):
    assert_fast_agrees(cells, SPECS["integer"])


@SETTINGS
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**18, 10**18)),
                min_size=1, max_size=40))
def test_number_cells_of_workbooks_agree(values):
    cells = [cell_text(v)[0] for v in values]
    numeric = [True] * len(cells)
    for kind in ("money", "money_unbounded", "decimal", "integer"):
        assert_fast_agrees(cells, SPECS[kind], numeric)


# -- dates -----------------------------------------------------------------------------------------

date_text = st.one_of(
    st.tuples(
        st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31)),
        st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%y"]),
    ).map(lambda pair: pair[0].strftime(pair[1])),
    st.text(alphabet="0123456789-/. :T", min_size=8, max_size=12),
)


@SETTINGS
@given(st.lists(_noisy(date_text), min_size=1, max_size=40))
def test_date_fast_path_agrees(cells):
    assert_fast_agrees(cells, SPECS["date"])


# -- identifiers -----------------------------------------------------------------------------------

nik_text = st.one_of(
    st.tuples(
        st.sampled_from(["110101", "320405", "327301", "610105", "999999", "3204"]),
        st.integers(0, 79).map(lambda d: f"{d:02d}"),
        st.integers(0, 13).map(lambda m: f"{m:02d}"),
        st.integers(0, 99).map(lambda y: f"{y:02d}"),
        st.sampled_from(["0000", "0001", "9999", "12", "12345"]),
    ).map("".join),
    st.text(alphabet="0123456789 .-+", min_size=14, max_size=20),
)


@SETTINGS
@given(st.lists(_noisy(nik_text), min_size=1, max_size=40), st.booleans())
def test_nik_fast_path_agrees(cells, numeric):
    assert_fast_agrees(cells, SPECS["nik"], [numeric] * len(cells))


def test_nik_fast_path_signs_and_zeros():
    # Sixteen characters that Polars reads as an integer, but not sixteen digits.
    cells = ["+327301520390000", "-327301520390000", "0327301520390001", "3273015203900001"]
    assert_fast_agrees(cells, SPECS["nik"])
    accepted = fast_and_full(cells, [False] * len(cells), SPECS["nik"], False).get_column("ok").to_list()
    assert accepted == [False, False, False, True]


phone_text = st.one_of(
    st.tuples(st.sampled_from(["08", "+628", "628", "8", "0", "02", "+62", "0808"]),
              st.text(alphabet="0123456789", min_size=5, max_size=13)).map("".join),
    st.text(alphabet="0123456789+-() ", min_size=8, max_size=16),
)


@SETTINGS
@given(st.lists(_noisy(phone_text), min_size=1, max_size=40))
def test_phone_fast_path_agrees(cells):
    assert_fast_agrees(cells, SPECS["phone"])


region_text = st.one_of(
    st.sampled_from(VILLAGES),
    st.sampled_from(VILLAGES).map(lambda code: code.replace(".", "")),
    st.sampled_from(VILLAGES).map(lambda code: code.replace(".", " ")),
    st.text(alphabet="0123456789. ", min_size=9, max_size=14),
)


@SETTINGS
@given(st.lists(_noisy(region_text), min_size=1, max_size=40))
def test_region_fast_path_agrees(cells):
    assert_fast_agrees(cells, SPECS["region"])


other_text = st.one_of(
    st.sampled_from([
        "Warung Siti", "WARUNG  SITI", "Ya", "tidak", "TIDAK", "y", "Laki-Laki", "PEREMPUAN", "laki  laki",
        "siti@example.com", "Siti@Example.com", "RT 03", "003", "3", "1999", "1999.0", "-7.5", "1e1", ".5",
        "6.", "+1", "12", "1234567890123", "1234.5678.90123",
    ]),
    st.text(alphabet="aAzZ09 .-+@\t\u00a0", max_size=14),
    st.text(max_size=8),
)


@SETTINGS
@given(st.lists(_noisy(other_text), min_size=1, max_size=40), st.booleans())
def test_other_fast_paths_agree(cells, numeric):
    for kind in ("text", "nib", "email", "rt_rw", "latitude", "year", "month", "boolean", "code"):
        assert_fast_agrees(cells, SPECS[kind], [numeric] * len(cells))


def test_fast_paths_accept_clean_cells():
    """The property tests above pass trivially if no cell is accepted; these must be."""
    cases = {
        "money": ["15000000", "15000000.50", "15.000.000"], "integer": ["3"],
        "date": ["1990-03-12", "12/03/1990", "12-03-1990"],
        "nik": ["3273015203900001"], "phone": ["081234567890"], "region": ["32.73.01.1001", "3273011001"],
        "text": ["Warung Siti"], "latitude": ["-6.914744"], "year": ["2019"], "month": ["5"],
        "boolean": ["Tidak"], "code": ["PEREMPUAN"],
    }
    for kind, cells in cases.items():
        result = fast_and_full(cells, [False] * len(cells), SPECS[kind])
        assert result.get_column("ok").all(), f"{kind}: {result}"
        if kind in FORMS:
            # Each cell alone, so the batch shows that cell's notation only.
            for cell in cells:
                probed = fast_and_full([cell], [False], SPECS[kind], probed=True)
                assert probed.get_column("ok").all(), f"{kind}, forms of {cell!r} only: {probed}"
