"""Region names written by people, resolved to Kemendagri codes inside their parent region."""

import polars as pl
import pytest

from satudata.reference.lookups import region_lookup
from satudata.reference.names import normalize_names, normalize_region_name

pytestmark = pytest.mark.django_db


def _resolve(*names):
    return region_lookup().names.resolve(list(names))


@pytest.mark.parametrize("names", [
    ("JAWA BARAT", "KOTA BANDUNG", "SUKASARI", "SUKARASA"),
    ("Jawa Barat", "Kota Bandung", "Sukasari", "Sukarasa"),
    ("Prov. Jawa Barat", "Kota  Bandung", "Kec. Sukasari", "Kel. Sukarasa"),
    ("jabar", "kota bandung", "sukasari", "sukarasa"),
])
def test_spellings_of_one_village(names):
    assert _resolve(*names).code == "32.73.01.1001"


def test_kabupaten_and_kota_of_same_name_are_told_apart():
    assert _resolve("JAWA BARAT", "KAB. BANDUNG").code == "32.04"
    assert _resolve("JAWA BARAT", "Kabupaten Bandung").code == "32.04"
    assert _resolve("JAWA BARAT", "KOTA BANDUNG").code == "32.73"


def test_bare_name_shared_by_kabupaten_and_kota_is_ambiguous():
    match = _resolve("JAWA BARAT", "BANDUNG")
    assert match.code is None
    assert match.error == "region.name_ambiguous"
    assert sorted(match.candidates) == ["Kabupaten Bandung (32.04)", "Kota Bandung (32.73)"]


def test_jakarta_administrative_city_spellings():
    for name in ("KOTA ADM. JAKARTA SELATAN", "Kota Administrasi Jakarta Selatan", "Jakarta Selatan"):
        assert _resolve("DKI JAKARTA", name).code == "31.74"
    assert _resolve("DKI Jakarta", "KAB. ADMINISTRASI KEPULAUAN SERIBU").code == "31.01"


def test_unknown_name_lists_close_candidates():
    match = _resolve("JAWA BARAT", "KOTA BANDUNK")
    assert match.error == "region.name_unknown"
    assert "Kota Bandung (32.73)" in match.candidates


def test_name_in_wrong_parent_is_unknown():
    # Sukasari is a district of Kota Bandung, not of Kota Bogor.
    match = _resolve("JAWA BARAT", "KOTA BOGOR", "SUKASARI")
    assert match.error == "region.name_unknown"
    assert match.level == 3


def test_vectorized_normalization_matches_python_on_every_region():
    entries = region_lookup().entries
    for level in (2, 3, 4):
        names = [name for _code, lvl, name, _parent in entries if lvl == level]
        variants = names + [n.upper() for n in names[:500]] + ["KAB. " + n for n in names[:200]]
        frame = normalize_names(pl.Series(variants, dtype=pl.String), level)
        expected = [normalize_region_name(n, level) for n in variants]
        assert list(zip(frame["kind"].to_list(), frame["core"].to_list(), strict=True)) == expected


def test_resolve_frame_agrees_with_resolve():
    tuples = pl.DataFrame({
        "p": ["JAWA BARAT", "JAWA BARAT", "JAWA BARAT", "DKI JAKARTA"],
        "k": ["KOTA BANDUNG", "BANDUNG", "KOTA BANDUNG", "KOTA ADM. JAKARTA SELATAN"],
        "d": ["SUKASARI", "X", "SUKASARI", "KEBAYORAN BARU"],
        "v": ["SUKARASA", "Y", "TIDAK ADA", "SENAYAN"],
    })
    result = region_lookup().names.resolve_frame(tuples, ["p", "k", "d", "v"])
    for row, (code, error) in enumerate(zip(result["__code"], result["__error"], strict=True)):
        expected = _resolve(*tuples.row(row))
        assert (code, error) == (expected.code, expected.error)


@pytest.mark.shared_data
def test_every_2025_village_resolves_from_its_own_names(shared_data):
    """Each village of the published 2025 list is found from the names of its province, regency,
    district and village, unless its district has another village of the same name."""
    frame = pl.read_csv(shared_data / "wilayah_2025.csv", infer_schema=False)
    names = dict(zip(frame["code"], frame["name"], strict=True))
    villages = frame.filter(pl.col("level") == "4").with_columns(
        pl.col("code").str.slice(0, 2).replace_strict(names).alias("p"),
        pl.col("code").str.slice(0, 5).replace_strict(names).alias("k"),
        pl.col("code").str.slice(0, 8).replace_strict(names).alias("d"),
        pl.col("name").alias("v"),
    )
    result = region_lookup().names.resolve_frame(villages.select("p", "k", "d", "v").unique(), ["p", "k", "d", "v"])
    resolved = villages.join(result, on=["p", "k", "d", "v"], how="left")
    wrong = resolved.filter(pl.col("__code").is_not_null() & (pl.col("__code") != pl.col("code")))
    assert wrong.height == 0
    unresolved = resolved.filter(pl.col("__code").is_null())
    # Only genuinely duplicated names stay unresolved, and they are reported as ambiguous.
    assert set(unresolved["__error"].to_list()) <= {"region.name_ambiguous"}
    assert unresolved.height < 200


def test_exact_paths_match_level_resolution():
    """Every village of the loaded list, as written there, in upper case and with one name
    changed: the one-join path and the level-by-level matching return the same codes and errors."""
    names = region_lookup().names
    paths = names.exact_paths
    assert paths.height > 1000
    entries = {code: name for code, _level, name, _parent in region_lookup().entries}
    villages = [code for code, level, _name, _parent in region_lookup().entries if level == 4]
    rows = [(entries[c[:2]], entries[c[:5]], entries[c[:8]], entries[c]) for c in villages]
    rows += [tuple(n.upper() for n in row) for row in rows[:300]]
    rows += [(p, "KAB. " + k, d, v) for p, k, d, v in rows[:100]]
    # As exports of the old system write a kabupaten: "KAB. ACEH SELATAN" for "Kabupaten Aceh Selatan".
    rows += [tuple(n.upper() for n in (p, "Kab. " + k.removeprefix("Kabupaten "), d, v))
             for p, k, d, v in rows if k.startswith("Kabupaten ")]
    tuples = pl.DataFrame(rows, schema=["p", "k", "d", "v"], orient="row").unique(maintain_order=True)

    joined = names.resolve_frame(tuples, ["p", "k", "d", "v"])
    levels = names._resolve_levels(tuples, ["p", "k", "d", "v"])

    assert joined.columns == levels.columns
    assert joined.equals(levels)
    assert joined.get_column("__code").null_count() < tuples.height


def test_learned_spellings_resolve_like_levels():
    """A regency spelled as the list does not spell it. Once one village under that spelling is
    placed level by level, the join finds the file's other villages under it. Codes and errors are
    those of level-by-level matching."""
    from satudata.reference.names import LearnedSpellings

    names = region_lookup().names
    entries = {code: name for code, _level, name, _parent in region_lookup().entries}
    regency = next(code for code, level, name, _parent in region_lookup().entries
                   if level == 2 and name.startswith("Kabupaten ") and code.startswith("32"))
    villages = sorted(c for c, level, _n, _p in region_lookup().entries if level == 4 and c.startswith(regency + "."))
    spelled = "KAB " + entries[regency].removeprefix("Kabupaten ").upper().replace(" ", "  ")
    rows = [(entries[c[:2]], spelled, entries[c[:8]], entries[c]) for c in villages]
    # A district name the list does not use: the learned paths must not place it either.
    rows.append((entries[regency[:2]], spelled, "TIDAK ADA", "TIDAK ADA"))
    first = pl.DataFrame(rows[:1], schema=["p", "k", "d", "v"], orient="row")
    rest = pl.DataFrame(rows[1:], schema=["p", "k", "d", "v"], orient="row")
    learned = LearnedSpellings()

    assert names.resolve_frame(first, ["p", "k", "d", "v"], learned).get_column("__code").to_list() == villages[:1]
    assert learned.paths is not None
    assert learned.paths.height >= len(villages) // 2
    joined = names.resolve_frame(rest, ["p", "k", "d", "v"], learned)
    levels = names._resolve_levels(rest, ["p", "k", "d", "v"])
    assert joined.equals(levels)
    assert joined.get_column("__code").null_count() < rest.height
