"""Normalized keys used to recognise a business that is already in the registry."""

import polars as pl

# Words that say what kind of business it is rather than which one: "Toko Berkah" and
# "Berkah" are the same shop.
GENERIC_PREFIXES = ("pt", "cv", "ud", "toko", "warung", "usaha", "kedai", "koperasi", "kios", "rumah makan", "rm")


def name_key_expr(name: pl.Expr) -> pl.Expr:
    """Lower-case, letters and digits only, legal-form and shop-type words removed."""
    text = name.str.to_lowercase().str.replace_all(r"[^a-z0-9 ]", " ")
    pattern = r"\b(" + "|".join(GENERIC_PREFIXES) + r")\b"
    text = text.str.replace_all(pattern, " ").str.replace_all(r"\s+", "")
    return pl.when(text == "").then(name.str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")).otherwise(text)


def name_key(name: str) -> str:
    return pl.select(name_key_expr(pl.lit(name))).item()
