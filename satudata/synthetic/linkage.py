"""Labelled record-linkage data: a registry and incoming records whose true matches are known.

The incoming records carry the variation that makes "is this business already registered?" hard in
Indonesian data: business names with and without "Toko", "UD" or "Warung", abbreviations and
typos; owner names as Nurhaliza / Nur Haliza, Muhammad / Moh. / M., with or without Hj. and
academic degrees, or only one of their names; Jl. / Jalan and Gg. / Gang; a mistyped NIK digit;
a NIB known to one source only; a new phone number; a business that moved village; village codes
of an older region edition. The new businesses among them are chosen to look like registered
ones: the owner's second business, a family member's business at the same address, owners with
the very common names of their village, names that differ only by a generic word.

Everything is computed with vectorized Polars expressions from a counter-based random generator
(SplitMix64), so a five-million-row registry takes seconds and the same seed gives the same rows
on every machine.
"""

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from satudata.synthetic import vocabulary as vocab

GOLDEN = 0x9E3779B97F4A7C15
MIX_1 = 0xBF58476D1CE4E5B9
MIX_2 = 0x94D049BB133111EB
# Businesses per village when the caller does not choose; the national registry averages about
# 65 million / 83,762 villages ≈ 780, the test sets are denser in hard cases, not in size.
DEFAULT_DENSITY = 60
COMMON_FULL_NAMES = (
    ("Sri Wahyuni", True),
    ("Siti Aminah", True),
    ("Siti Nurhaliza", True),
    ("Dewi Lestari", True),
    ("Muhammad Yusuf", False),
    ("Agus Santoso", False),
    ("Budi Santoso", False),
    ("Ahmad Hidayat", False),
)
GIVEN_VARIANTS = {
    "Muhammad": ("Moh.", "M.", "Muhamad", "Mohammad", "MUH."),
    "Nurhaliza": ("Nur Haliza", "Nurhalizah"),
    "Ahmad": ("Achmad", "Akhmad"),
    "Rizki": ("Rizky", "Rizqi"),
    "Yusuf": ("Jusuf", "Yusup"),
    "Wahyuni": ("Wahyunie",),
    "Fitri": ("Fitriyah",),
}
DEGREES = (", S.Pd.", ", S.E.", ", S.H.", ", A.Md.", ", S.Kom.", ", M.M.")
GENERIC_EXTRA = ("Abadi", "Jaya", "Baru", "Makmur", "Sejahtera", "Mandiri")
# Business words written in short or other spellings by some producers.
WORD_VARIANTS = {"Sumber Rejeki": "Sbr. Rezeki", "Sejahtera": "Sejahtra", "Makmur": "Mkmr", "Berkah": "Brkh"}
STANDARD_COLUMNS = (
    "nib",
    "business_name",
    "owner_name",
    "owner_nik",
    "owner_sex",
    "owner_birth_date",
    "owner_phone",
    "business_address",
    "business_rt",
    "business_rw",
    "business_village_code",
    "kbli",
    "year_started",
)


@dataclass
class LabelledSet:
    """A registry, incoming records with their true match, and the crosswalk of old village codes."""

    registry: pl.DataFrame
    incoming: pl.DataFrame
    crosswalk: dict[str, str] = field(default_factory=dict)


# -- random numbers ---------------------------------------------------------------------------------


def _splitmix64(counter: pl.Series) -> pl.Series:
    """SplitMix64 of each value, computed step by step so the expression stays small."""
    frame = pl.DataFrame({"z": counter + GOLDEN})
    for shift, multiplier in ((30, MIX_1), (27, MIX_2)):
        frame = frame.select(
            (pl.col("z").xor(pl.col("z") // (1 << shift)) * pl.lit(multiplier, dtype=pl.UInt64)).alias("z")
        )
    return frame.select(pl.col("z").xor(pl.col("z") // (1 << 31))).to_series()


class Draws:
    """Independent streams of pseudo-random numbers for ``n`` rows, from one seed.

    Each method draws a new stream and returns it as a literal column of ``n`` values.
    """

    def __init__(self, seed: int, n: int) -> None:
        self.seed = seed
        self.n = n
        self._stream = 0

    def _series(self) -> pl.Series:
        self._stream += 1
        start = (self.seed * 0x100000001B3 + self._stream * 0x2545F4914F6CDD1D) % (1 << 64)
        counter = pl.int_range(0, self.n, dtype=pl.UInt64, eager=True) + start
        return _splitmix64(_splitmix64(counter))

    def bits(self) -> pl.Expr:
        return pl.lit(self._series())

    def uniform(self) -> pl.Expr:
        """Floats in [0, 1)."""
        return pl.lit((self._series() // (1 << 11)).cast(pl.Float64) / float(1 << 53))

    def below(self, upper: int) -> pl.Expr:
        return pl.lit((self._series() % upper).cast(pl.Int64))

    def pick(self, options: tuple | list) -> pl.Expr:
        indexes = (self._series() % len(options)).cast(pl.Int64)
        return pl.lit(pl.Series(list(options)).gather(indexes))

    def chance(self, probability: float) -> pl.Expr:
        return self.uniform() < probability


def _frame(n: int) -> pl.DataFrame:
    return pl.DataFrame({"i": pl.int_range(0, n, eager=True, dtype=pl.Int64)})


# -- the registry -----------------------------------------------------------------------------------


def _nik(village: pl.Expr, birth: pl.Expr, female: pl.Expr, serial: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [
            village.str.slice(0, 8).str.replace_all(".", "", literal=True),
            (birth.dt.day() + pl.when(female).then(40).otherwise(0)).cast(pl.String).str.zfill(2),
            birth.dt.month().cast(pl.String).str.zfill(2),
            (birth.dt.year() % 100).cast(pl.String).str.zfill(2),
            serial.cast(pl.String).str.zfill(4),
        ]
    )


def _phone(bits: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [
            pl.lit("+628"),
            (bits % 9 + 1).cast(pl.String),
            ((bits // 10) % 100_000_000 + 100_000_000).cast(pl.String),
        ]
    )


def choose_villages(villages: pl.DataFrame, count: int, seed: int) -> pl.DataFrame:
    """``count`` distinct villages drawn from ``villages`` (all of them when there are fewer)."""
    draws = Draws(seed, villages.height)
    shuffled = villages.with_columns(draws.bits().alias("__order")).sort("__order").drop("__order")
    return shuffled.head(min(count, villages.height))


def generate_registry(
    size: int, *, seed: int, villages: pl.DataFrame, density: int = DEFAULT_DENSITY, first_id: int = 1
) -> pl.DataFrame:
    """``size`` registered businesses in the data standard's columns, with ``business_id``.

    About one owner in twelve has a second business; one business in twenty belongs to a relative
    of the previous one (same family name, same address); one owner in twenty-five carries one of
    a few very common full names.
    """
    chosen = choose_villages(villages, max(1, size // density), seed)
    d = Draws(seed, size)
    female = d.chance(0.45)
    given = pl.when(female).then(d.pick(vocab.FEMALE_NAMES)).otherwise(d.pick(vocab.MALE_NAMES))
    family = d.pick(vocab.FAMILY_NAMES)
    common_pick = d.below(len(COMMON_FULL_NAMES))
    is_common = d.chance(0.04)
    owner = pl.concat_str([given, family], separator=" ").str.strip_chars()
    owner = (
        pl.when(is_common)
        .then(pl.lit(pl.Series([n for n, _f in COMMON_FULL_NAMES])).gather(common_pick))
        .otherwise(owner)
    )
    female = (
        pl.when(is_common)
        .then(pl.lit(pl.Series([f for _n, f in COMMON_FULL_NAMES])).gather(common_pick))
        .otherwise(female)
    )
    birth = pl.lit(dt.date(1955, 1, 1)) + pl.duration(days=d.below(18000))
    frame = _frame(size).with_columns(
        d.below(chosen.height).alias("__village"),
        female.alias("__female"),
        owner.alias("owner_name"),
        family.alias("__family"),
        birth.alias("owner_birth_date"),
        _phone(d.bits()).alias("owner_phone"),
        pl.concat_str(
            [
                d.pick(vocab.STREET_WORDS),
                d.pick(vocab.STREETS),
                pl.lit("No."),
                (d.below(200) + 1).cast(pl.String),
            ],
            separator=" ",
        ).alias("business_address"),
        (d.below(15) + 1).cast(pl.String).str.zfill(3).alias("business_rt"),
        (d.below(10) + 1).cast(pl.String).str.zfill(3).alias("business_rw"),
        d.pick([k for k, _c in vocab.KBLI_CODES]).alias("kbli"),
        (d.below(35) + 1990).cast(pl.Int32).alias("year_started"),
        pl.when(d.chance(0.45))
        .then((d.bits() % 9_000_000_000_000 + 1_000_000_000_000).cast(pl.String))
        .alias("nib"),
        d.pick(vocab.BUSINESS_PREFIXES).alias("__prefix"),
        d.pick(vocab.BUSINESS_WORDS).alias("__word"),
        pl.when(d.chance(0.3)).then(d.pick(GENERIC_EXTRA)).otherwise(pl.lit("")).alias("__extra"),
        d.chance(0.4).alias("__with_owner"),
        d.uniform().alias("__relation"),
        d.below(9000).alias("__serial_low"),
    )
    frame = frame.with_columns(
        pl.lit(chosen.get_column("village_code")).gather(pl.col("__village")).alias("business_village_code")
    )
    # Odd rows may repeat the owner of the row before (a second business) or share its family and address.
    previous = {
        c: pl.col(c).shift(1)
        for c in (
            "owner_name",
            "owner_birth_date",
            "owner_phone",
            "__female",
            "business_address",
            "business_rt",
            "business_rw",
            "business_village_code",
            "__family",
        )
    }
    odd = (pl.col("i") % 2) == 1
    second = odd & (pl.col("__relation") < 0.16)
    relative = odd & (pl.col("__relation") >= 0.16) & (pl.col("__relation") < 0.26)
    frame = frame.with_columns(
        pl.when(second)
        .then(pl.lit("second_business"))
        .when(relative)
        .then(pl.lit("relative"))
        .otherwise(pl.lit(""))
        .alias("__kind"),
        *[
            pl.when(second).then(previous[c]).otherwise(pl.col(c)).alias(c)
            for c in ("owner_name", "owner_birth_date", "owner_phone", "__female")
        ],
        *[
            pl.when(second | relative).then(previous[c]).otherwise(pl.col(c)).alias(c)
            for c in ("business_address", "business_rt", "business_rw", "business_village_code")
        ],
    )
    frame = frame.with_columns(
        pl.when(pl.col("__kind") == "relative")
        .then(
            pl.concat_str(
                [pl.col("owner_name").str.split(" ").list.first(), previous["__family"]], separator=" "
            ).str.strip_chars()
        )
        .otherwise(pl.col("owner_name"))
        .alias("owner_name"),
    )
    # Serial numbers follow the row, so two owners never share a NIK by accident.
    serial = (pl.col("i") % 9000) + 1
    nik = _nik(pl.col("business_village_code"), pl.col("owner_birth_date"), pl.col("__female"), serial)
    frame = frame.with_columns(nik.alias("owner_nik"))
    frame = frame.with_columns(
        pl.when(pl.col("__kind") == "second_business")
        .then(pl.col("owner_nik").shift(1))
        .otherwise(pl.col("owner_nik"))
        .alias("owner_nik"),
    )
    business = pl.concat_str(
        [
            pl.col("__prefix"),
            pl.col("__word"),
            pl.col("__extra"),
            pl.when(pl.col("__with_owner"))
            .then(pl.col("owner_name").str.split(" ").list.first())
            .otherwise(pl.lit("")),
        ],
        separator=" ",
    )
    frame = frame.with_columns(
        business.str.replace_all(r"\s+", " ").str.strip_chars().alias("business_name"),
        pl.when(pl.col("__female")).then(pl.lit("P")).otherwise(pl.lit("L")).alias("owner_sex"),
        (pl.col("i") + first_id).alias("business_id"),
    )
    return frame.select("business_id", *STANDARD_COLUMNS, pl.col("__kind").alias("kind"))


# -- variation of one record ------------------------------------------------------------------------


def _typo(text: pl.Expr, d: Draws) -> pl.Expr:
    """Replace one letter inside the text by another."""
    length = text.str.len_chars()
    position = (d.uniform() * (length - 2).clip(lower_bound=1)).cast(pl.Int64) + 1
    letter = d.pick(tuple("aeiounrst"))
    return pl.concat_str([text.str.slice(0, position), letter, text.str.slice(position + 1)])


def _swap_prefix(name: pl.Expr, d: Draws) -> pl.Expr:
    prefixes = [p for p in vocab.BUSINESS_PREFIXES if p] + ["PT", "Usaha Dagang"]
    pattern = r"^(" + "|".join(sorted({p for p in prefixes}, key=len, reverse=True)) + r")\s+"
    stripped = name.str.replace(pattern, "")
    choice = d.uniform()
    return (
        pl.when(choice < 0.4)
        .then(stripped)
        .when(choice < 0.7)
        .then(pl.concat_str([d.pick(("Toko", "UD.", "Warung", "CV.", "Kios")), stripped], separator=" "))
        .otherwise(name.str.to_uppercase())
    )


def _vary_owner(rows: pl.DataFrame, d: Draws) -> pl.Series:
    """Owner names as another source writes them: spelling variants, titles, degrees, one name only."""
    frame = rows.select(pl.col("owner_name").alias("v"), (pl.col("owner_sex") == "P").alias("female"))
    # One column step per variant keeps each expression small.
    for given, variants in GIVEN_VARIANTS.items():
        pattern = r"\b" + given + r"\b"
        frame = frame.with_columns(
            pl.when(pl.col("v").str.contains(pattern) & d.chance(0.7))
            .then(pl.col("v").str.replace(pattern, d.pick(variants)))
            .otherwise(pl.col("v"))
            .alias("v")
        )
    title = pl.when(pl.col("female")).then(pl.lit("Hj. ")).otherwise(pl.lit("H. "))
    tokens = pl.col("v").str.split(" ")
    # A single name: the first name alone, or the family name alone.
    single = pl.when(d.chance(0.5)).then(tokens.list.first()).otherwise(tokens.list.last())
    choice = d.uniform()
    frame = frame.with_columns(
        pl.when(choice < 0.12)
        .then(pl.concat_str([title, pl.col("v")]))
        .when(choice < 0.22)
        .then(pl.concat_str([pl.col("v"), d.pick(DEGREES)]))
        .when((choice < 0.32) & (tokens.list.len() > 1))
        .then(single)
        .when(choice < 0.36)
        .then(_typo(pl.col("v"), d))
        .otherwise(pl.col("v"))
        .alias("v")
    )
    upper = d.chance(0.5)
    return frame.select(
        pl.when(upper).then(pl.col("v").str.to_uppercase()).otherwise(pl.col("v"))
    ).to_series()


def _vary_address(address: pl.Expr, rt: pl.Expr, rw: pl.Expr, d: Draws) -> pl.Expr:
    swapped = (
        address.str.replace(r"^Jl\.? ", "Jalan ")
        .str.replace(r"^Jalan ", "Jl. ")
        .str.replace(r"^Gg\. ", "Gang ")
        .str.replace(r"^Gang ", "Gg. ")
    )
    number = d.pick(("No ", "Nomor ", "no.", ""))
    renumbered = swapped.str.replace(r"No\. ", number)
    with_rt = pl.concat_str([renumbered, pl.lit(" RT "), rt.str.slice(1), pl.lit("/RW "), rw.str.slice(1)])
    choice = d.uniform()
    return (
        pl.when(choice < 0.35)
        .then(swapped)
        .when(choice < 0.6)
        .then(renumbered)
        .when(choice < 0.72)
        .then(with_rt)
        .when(choice < 0.77)
        .then(_typo(address, d))
        .otherwise(address)
    )


def _mistype_digit(nik: pl.Expr, d: Draws) -> pl.Expr:
    position = d.below(16)
    digit = nik.str.slice(position, 1).cast(pl.Int64)
    replacement = ((digit + d.below(9) + 1) % 10).cast(pl.String)
    return pl.concat_str([nik.str.slice(0, position), replacement, nik.str.slice(position + 1)])


def old_village_code(code: pl.Expr) -> pl.Expr:
    """A code in the numbering of an older edition: the regency number moved into a range no current
    regency uses (01–29 → 41–69, 71–79 → 81–89)."""
    regency = code.str.slice(3, 2).cast(pl.Int64)
    old = pl.when(regency <= 29).then(regency + 40).otherwise(regency + 10).cast(pl.String).str.zfill(2)
    return pl.concat_str([code.str.slice(0, 3), old, code.str.slice(5)])


def vary_matches(registry: pl.DataFrame, *, seed: int, villages: pl.DataFrame) -> pl.DataFrame:
    """One incoming record for each registry row, as another survey would have written it."""
    d = Draws(seed, registry.height)
    rows = registry.with_columns(d.uniform().alias("__move"), d.uniform().alias("__old"))
    moved = pl.col("__move") < 0.05
    same_regency = villages.select("village_code", pl.col("village_code").str.slice(0, 5).alias("__regency"))
    options = same_regency.group_by("__regency").agg(pl.col("village_code").alias("__options"))
    rows = rows.with_columns(pl.col("business_village_code").str.slice(0, 5).alias("__regency")).join(
        options, on="__regency", how="left"
    )
    new_village = pl.col("__options").list.get(
        (d.bits() % pl.col("__options").list.len().cast(pl.UInt64)).cast(pl.Int64)
    )
    for word, variant in WORD_VARIANTS.items():
        rows = rows.with_columns(
            pl.when(pl.col("business_name").str.contains(word) & d.chance(0.5))
            .then(pl.col("business_name").str.replace(word, variant, literal=True))
            .otherwise(pl.col("business_name"))
            .alias("business_name")
        )
    rows = rows.with_columns(_vary_owner(rows, d).alias("owner_name"))
    name_varied = pl.col("business_name")
    name_choice = d.uniform()
    nib_kept = d.chance(0.5)
    phone_choice = d.uniform()
    year_choice = d.uniform()
    rows = rows.with_columns(
        pl.when(name_choice < 0.45)
        .then(_swap_prefix(name_varied, d))
        .when(name_choice < 0.55)
        .then(_typo(name_varied, d))
        .when(name_choice < 0.6)
        .then(name_varied.str.to_lowercase())
        .otherwise(name_varied)
        .alias("business_name"),
        pl.when(moved)
        .then(
            pl.concat_str(
                [
                    d.pick(vocab.STREET_WORDS),
                    d.pick(vocab.STREETS),
                    pl.lit("No."),
                    (d.below(200) + 1).cast(pl.String),
                ],
                separator=" ",
            )
        )
        .otherwise(_vary_address(pl.col("business_address"), pl.col("business_rt"), pl.col("business_rw"), d))
        .alias("business_address"),
        pl.when(d.chance(0.5))
        .then(pl.col("business_rt").str.strip_chars_start("0"))
        .otherwise(pl.col("business_rt"))
        .alias("business_rt"),
        pl.when(moved)
        .then(new_village)
        .otherwise(pl.col("business_village_code"))
        .alias("business_village_code"),
        pl.when(d.chance(0.1))
        .then(_mistype_digit(pl.col("owner_nik"), d))
        .otherwise(pl.col("owner_nik"))
        .alias("owner_nik"),
        pl.when(pl.col("nib").is_not_null())
        .then(pl.when(nib_kept).then(pl.col("nib")))
        .otherwise(
            pl.when(d.chance(0.15)).then((d.bits() % 9_000_000_000_000 + 1_000_000_000_000).cast(pl.String))
        )
        .alias("nib"),
        pl.when(phone_choice < 0.6)
        .then(pl.col("owner_phone"))
        .when(phone_choice < 0.85)
        .then(_phone(d.bits()))
        .alias("owner_phone"),
        pl.when(year_choice < 0.7)
        .then(pl.col("year_started"))
        .when(year_choice < 0.85)
        .then(pl.col("year_started") + pl.when(d.chance(0.5)).then(1).otherwise(-1))
        .alias("year_started"),
        pl.when(d.chance(0.1))
        .then(pl.col("kbli").str.slice(0, 2) + d.pick(("111", "112", "211", "101", "301")))
        .otherwise(pl.col("kbli"))
        .alias("kbli"),
    )
    rows = rows.with_columns(
        pl.when(pl.col("__old") < 0.08)
        .then(old_village_code(pl.col("business_village_code")))
        .otherwise(pl.col("business_village_code"))
        .alias("business_village_code"),
        pl.when(moved)
        .then(pl.lit("moved"))
        .when(pl.col("__old") < 0.08)
        .then(pl.lit("old_region_code"))
        .otherwise(pl.lit("variant"))
        .alias("case"),
    )
    return rows.select(pl.col("business_id").alias("true_business_id"), *STANDARD_COLUMNS, "case")


# -- new businesses that look registered ----------------------------------------------------------


def look_alikes(registry: pl.DataFrame, *, seed: int) -> pl.DataFrame:
    """One new business for each registry row, built to resemble it; none of them is registered.

    A quarter are a second business of the same owner, a fifth a relative's business at the same
    address, a fifth an owner with the same name in the same village, a fifth a business whose name
    differs only by a generic word; the rest are ordinary new businesses in the same village.
    """
    d = Draws(seed, registry.height)
    kind = d.uniform()
    same_owner = kind < 0.25
    relative = (kind >= 0.25) & (kind < 0.45)
    namesake = (kind >= 0.45) & (kind < 0.65)
    generic = (kind >= 0.65) & (kind < 0.85)
    female = pl.col("owner_sex") == "P"
    birth = pl.lit(dt.date(1955, 1, 1)) + pl.duration(days=d.below(18000))
    new_given = pl.when(female).then(d.pick(vocab.FEMALE_NAMES)).otherwise(d.pick(vocab.MALE_NAMES))
    family = pl.col("owner_name").str.split(" ").list.last()
    fresh_name = pl.concat_str(
        [d.pick(vocab.BUSINESS_PREFIXES), d.pick(vocab.BUSINESS_WORDS), d.pick(GENERIC_EXTRA)], separator=" "
    ).str.strip_chars()
    core = pl.col("business_name").str.replace(
        r"^(Warung|Toko|UD|Kedai|CV|Usaha|Rumah Makan|Kios|Bengkel)\s+", ""
    )
    generic_name = (
        pl.when(d.chance(0.5))
        .then(pl.concat_str([pl.col("business_name"), d.pick(GENERIC_EXTRA)], separator=" "))
        .otherwise(
            pl.concat_str(
                [d.pick(("Toko", "Warung")), core.str.split(" ").list.first(), d.pick(GENERIC_EXTRA)],
                separator=" ",
            )
        )
    )
    serial = (d.below(9000) + 9000).cast(pl.Int64)
    rows = registry.with_columns(
        pl.when(same_owner)
        .then(pl.lit("same_owner_other_business"))
        .when(relative)
        .then(pl.lit("relative"))
        .when(namesake)
        .then(pl.lit("namesake_in_village"))
        .when(generic)
        .then(pl.lit("generic_word_name"))
        .otherwise(pl.lit("new"))
        .alias("case"),
        pl.when(same_owner)
        .then(pl.col("owner_name"))
        .when(relative)
        .then(pl.concat_str([new_given, family], separator=" "))
        .when(namesake)
        .then(pl.col("owner_name"))
        .otherwise(pl.concat_str([new_given, d.pick(vocab.FAMILY_NAMES)], separator=" ").str.strip_chars())
        .alias("owner_name"),
        pl.when(same_owner).then(pl.col("owner_birth_date")).otherwise(birth).alias("owner_birth_date"),
        pl.when(same_owner).then(pl.col("owner_phone")).otherwise(_phone(d.bits())).alias("owner_phone"),
        pl.when(same_owner)
        .then(fresh_name)
        .when(relative)
        .then(pl.when(d.chance(0.2)).then(pl.col("business_name")).otherwise(fresh_name))
        .when(namesake)
        .then(pl.when(d.chance(0.3)).then(pl.col("business_name")).otherwise(fresh_name))
        .otherwise(fresh_name)
        .alias("business_name"),
        pl.when(same_owner & d.chance(0.5))
        .then(pl.col("business_address"))
        .when(relative)
        .then(pl.col("business_address"))
        .otherwise(
            pl.concat_str(
                [
                    d.pick(vocab.STREET_WORDS),
                    d.pick(vocab.STREETS),
                    pl.lit("No."),
                    (d.below(200) + 1).cast(pl.String),
                ],
                separator=" ",
            )
        )
        .alias("business_address"),
        d.pick([k for k, _c in vocab.KBLI_CODES]).alias("kbli"),
        (d.below(35) + 1990).cast(pl.Int32).alias("year_started"),
        pl.when(d.chance(0.3))
        .then((d.bits() % 9_000_000_000_000 + 1_000_000_000_000).cast(pl.String))
        .alias("nib"),
        serial.alias("__serial"),
    )
    rows = rows.with_columns(
        # The generic-word case takes its name from the registered business, the others keep theirs.
        pl.when(pl.col("case") == "generic_word_name")
        .then(generic_name)
        .otherwise(pl.col("business_name"))
        .alias("business_name"),
        pl.when(pl.col("case") == "same_owner_other_business")
        .then(pl.col("owner_nik"))
        .otherwise(
            _nik(pl.col("business_village_code"), pl.col("owner_birth_date"), female, pl.col("__serial"))
        )
        .alias("owner_nik"),
    )
    return rows.select(pl.lit(None, dtype=pl.Int64).alias("true_business_id"), *STANDARD_COLUMNS, "case")


def generate_labelled(
    records: int,
    *,
    seed: int = 1,
    registry_size: int | None = None,
    villages: pl.DataFrame | None = None,
    match_share: float = 0.6,
    density: int = DEFAULT_DENSITY,
) -> LabelledSet:
    """A registry of ``registry_size`` businesses (twice ``records`` by default) and ``records``
    incoming rows, ``match_share`` of which describe a registered business."""
    if villages is None:
        from satudata.synthetic.sidt import village_frame

        villages = village_frame()
    registry_size = registry_size or 2 * records
    registry = generate_registry(registry_size, seed=seed, villages=villages, density=density)
    matched_count = round(records * match_share)
    d = Draws(seed + 7919, registry.height)
    order = registry.select("business_id").with_columns(d.bits().alias("__order")).sort("__order")
    picked = order.get_column("business_id").head(matched_count)
    templates = order.get_column("business_id").slice(matched_count, records - matched_count)
    matched = vary_matches(
        registry.filter(pl.col("business_id").is_in(picked.implode())), seed=seed + 1, villages=villages
    )
    new = look_alikes(registry.filter(pl.col("business_id").is_in(templates.implode())), seed=seed + 2)
    incoming = pl.concat([matched, new], how="vertical_relaxed")
    shuffle = Draws(seed + 3, incoming.height)
    incoming = incoming.with_columns(shuffle.bits().alias("__order")).sort("__order").drop("__order")
    incoming = incoming.with_row_index("row_id", offset=1).with_columns(pl.col("row_id").cast(pl.Int64))
    old_codes = (
        incoming.filter(pl.col("case") == "old_region_code").get_column("business_village_code").unique()
    )
    crosswalk = _crosswalk_for(old_codes, registry, villages)
    return LabelledSet(registry=registry.drop("kind"), incoming=incoming, crosswalk=crosswalk)


def _crosswalk_for(old_codes: pl.Series, registry: pl.DataFrame, villages: pl.DataFrame) -> dict[str, str]:
    """Old code → current code for every village the registry or the villages frame names."""
    current = pl.concat(
        [registry.get_column("business_village_code"), villages.get_column("village_code")]
    ).unique()
    table = pl.DataFrame({"current": current}).with_columns(old_village_code(pl.col("current")).alias("old"))
    table = table.filter(pl.col("old").is_in(old_codes.implode()))
    return dict(zip(table.get_column("old").to_list(), table.get_column("current").to_list(), strict=True))
