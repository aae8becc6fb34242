"""Normalized forms of business names, owner names and addresses for comparison.

Every function takes and returns a Polars expression, so a million rows normalize in one
vectorized pass. The forms are only compared, never shown: "Toko Berkah Jaya" and
"UD. BERKAH JAYA" both become ``berkah jaya``; "Hj. Siti Nurhaliza, S.Pd." and
"Siti Nur Haliza" both become ``sitinurhaliza``.
"""

import polars as pl

# Legal forms and shop-type words say what kind of business it is, not which one.
BUSINESS_GENERIC_WORDS = (
    "pt",
    "cv",
    "ud",
    "pd",
    "fa",
    "firma",
    "koperasi",
    "kop",
    "tbk",
    "persero",
    "toko",
    "tk",
    "warung",
    "wr",
    "wrg",
    "usaha",
    "kedai",
    "kios",
    "rumah makan",
    "rm",
    "depot",
    "bengkel",
    # Forms of address that producers put in front of the owner's name ("Warung Bu Siti").
    "bu",
    "ibu",
    "pak",
    "bapak",
    "mbak",
    "mas",
    "bang",
    "cak",
    "mak",
)
# Common abbreviations and spelling variants inside business names, mapped to one spelling.
BUSINESS_SPELLINGS = {
    "sbr": "sumber",
    "smbr": "sumber",
    "rezeki": "rejeki",
    "rejeky": "rejeki",
    "rejekie": "rejeki",
    "sejahtra": "sejahtera",
    "jy": "jaya",
    "mkmr": "makmur",
    "brkh": "berkah",
    "brs": "bersama",
}
# Titles before a name and academic degrees after it (gelar), written without their dots.
PERSON_TITLES = (
    "h",
    "hj",
    "haji",
    "hajah",
    "hajjah",
    "kh",
    "dr",
    "drs",
    "dra",
    "ir",
    "prof",
    "ust",
    "ustadz",
    "ustadzah",
    "tn",
    "ny",
    "nn",
    "sdr",
    "sdri",
    "bpk",
    "bapak",
    "ibu",
    "bu",
    "pak",
    "mas",
    "mbak",
    "almarhum",
    "alm",
    "spd",
    "spdi",
    "se",
    "sh",
    "skom",
    "sag",
    "ssos",
    "sip",
    "ssi",
    "st",
    "sked",
    "sfarm",
    "skm",
    "stp",
    "sp",
    "mm",
    "mpd",
    "msi",
    "mkes",
    "mh",
    "amd",
    "amk",
    "apt",
    "ak",
)
MUHAMMAD_SPELLINGS = (
    "muhammad",
    "muhamad",
    "muhammed",
    "mohammad",
    "mohamad",
    "mohammed",
    "mochammad",
    "mochamad",
    "moch",
    "moh",
    "mhd",
    "muh",
    "mch",
    "mohd",
    "md",
    "m",
)
# Given-name tokens too common to identify a person on their own ("Siti", "Sri", "Made"), in
# the form person_name() gives them.
COMMON_GIVEN_TOKENS = (
    "muhamad",
    "siti",
    "sri",
    "nur",
    "ni",
    "luh",
    "i",
    "made",
    "ketut",
    "nyoman",
    "putu",
    "wayan",
    "gede",
    "ahmad",
    "abdul",
    "dewi",
    "tri",
    "dwi",
    "eka",
)
ADDRESS_SPELLINGS = {
    "jl": "jl",
    "jln": "jl",
    "jalan": "jl",
    "jl.": "jl",
    "gg": "gg",
    "gang": "gg",
    "no": "no",
    "nomor": "no",
    "nmr": "no",
    "nomer": "no",
    "kp": "kp",
    "kampung": "kp",
    "kamp": "kp",
    "dsn": "dusun",
    "dusun": "dusun",
    "ds": "desa",
    "desa": "desa",
    "perum": "perum",
    "perumahan": "perum",
    "blk": "blok",
    "blok": "blok",
    "komp": "komplek",
    "kompleks": "komplek",
    "komplek": "komplek",
}


def _words_pattern(words: tuple[str, ...]) -> str:
    return r"\b(" + "|".join(sorted(words, key=len, reverse=True)) + r")\b"


def _replace_tokens(text: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    for source, target in mapping.items():
        if source != target:
            text = text.str.replace_all(r"\b" + source.replace(".", r"\.") + r"\b", target)
    return text


def _squeeze(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s+", " ").str.strip_chars()


def _plain(text: pl.Expr) -> pl.Expr:
    """Lower case with every character other than a letter or a digit turned into a space.

    Dots are removed rather than spaced so that "S.Pd." becomes the token ``spd``.
    """
    lowered = text.str.to_lowercase().str.replace_all(r"\.", "")
    return _squeeze(lowered.str.replace_all(r"[^a-z0-9]+", " "))


def business_name(name: pl.Expr) -> pl.Expr:
    """Business name without legal forms, shop-type words, case or punctuation, words space-separated."""
    text = _plain(name.str.replace_all("&", " dan "))
    text = _replace_tokens(text, BUSINESS_SPELLINGS)
    stripped = _squeeze(text.str.replace_all(_words_pattern(BUSINESS_GENERIC_WORDS), " "))
    # A name made only of generic words ("Toko Kelontong" → "kelontong", or just "Warung") keeps its words.
    return pl.when(stripped == "").then(text).otherwise(stripped)


def _collapse_doubles(text: pl.Expr) -> pl.Expr:
    for letter in "abcdefghijklmnopqrstuvwxyz":
        text = text.str.replace_all(letter + letter, letter, literal=True)
    return text


def person_name(name: pl.Expr) -> pl.Expr:
    """Owner name without titles and degrees, with the usual spelling variants merged, words space-separated.

    Degrees after a comma ("Siti Aminah, S.Pd.") are dropped. Muhammad, Moh., M. and their other
    spellings become one token. Old spellings (oe, dj, tj, ch) take their current form and doubled
    letters are single, so "Moehammad Djoened" and "Muhamad Junaid"-style variants compare closely.
    """
    before_comma = name.str.split(",").list.first()
    text = _plain(before_comma)
    text = _squeeze(text.str.replace_all(_words_pattern(PERSON_TITLES), " "))
    text = text.str.replace_all(_words_pattern(MUHAMMAD_SPELLINGS), "muhammad")
    for old, new in (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "h"), ("kh", "h")):
        text = text.str.replace_all(old, new, literal=True)
    text = _collapse_doubles(text)
    # "Nur Haliza" is written "Nurhaliza" as often as apart.
    text = text.str.replace_all(r"\bnur ([a-z])", "nur$1")
    # A final y sounds as i: Rizky / Rizki, Dewy / Dewi.
    text = text.str.replace_all(r"y\b", "i")
    fallback = _plain(name)
    return pl.when(text == "").then(fallback).otherwise(text)


def compact(words: pl.Expr) -> pl.Expr:
    """The words joined without spaces, so "nur haliza" and "nurhaliza" are equal."""
    return words.str.replace_all(" ", "", literal=True)


def distinctive_token(words: pl.Expr) -> pl.Expr:
    """The longest word that is not a very common given name; for single names, the name itself.

    "siti aminah" and "aminah" share ``aminah``; "sutrisno hadi" and "sutrisno" share ``sutrisno``.
    """
    tokens = words.str.split(" ")
    common = pl.lit(list(COMMON_GIVEN_TOKENS), dtype=pl.List(pl.String))
    rare = tokens.list.set_difference(common)
    chosen = pl.when(rare.list.len() > 0).then(rare).otherwise(tokens)
    return chosen.list.eval(pl.element().sort_by(pl.element().str.len_chars(), descending=True)).list.first()


def address(text: pl.Expr) -> pl.Expr:
    """Street address with Jl./Jalan, Gg./Gang and No./Nomor written one way and RT/RW removed."""
    plain = text.str.to_lowercase()
    # RT and RW belong in their own columns; producers also write them into the address text.
    plain = plain.str.replace_all(r"\b(rt|rw)\s*[.:]?\s*0*\d+", " ")
    plain = _squeeze(plain.str.replace_all(r"[^a-z0-9]+", " "))
    return _squeeze(_replace_tokens(plain, ADDRESS_SPELLINGS))


def house_number(normalized_address: pl.Expr) -> pl.Expr:
    """The number after "no", else a number ending the address, without leading zeros; null when neither."""
    after_no = normalized_address.str.extract(r"\bno\s*0*(\d+[a-z]?)\b", 1)
    trailing = normalized_address.str.extract(r"\b0*(\d+[a-z]?)$", 1)
    return pl.coalesce(after_no, trailing)


def street(normalized_address: pl.Expr) -> pl.Expr:
    """The address without its house number, to compare the street alone."""
    without = normalized_address.str.replace_all(r"\bno\s*\d+[a-z]?\b", " ").str.replace(r"\b\d+[a-z]?$", " ")
    return _squeeze(without)


def small_number(text: pl.Expr) -> pl.Expr:
    """RT or RW as a number ("003", "3" and "RT 03" are 3); null when it has no digits."""
    return text.str.extract(r"(\d+)", 1).cast(pl.Int32, strict=False)
