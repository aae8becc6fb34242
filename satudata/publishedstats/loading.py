"""Loading Open Data Jabar style CSV exports of published UMKM counts.

The files carry ``kode_kabupaten_kota`` (a BPS code), ``nama_kabupaten_kota``, optionally one
breakdown column (``kategori_usaha``, ``jenis_usaha``), one measure (``jumlah_umkm`` or
``proyeksi_jumlah_umkm``), ``satuan`` and ``tahun``.
"""

import csv
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.publishedstats.models import PublishedDataset, PublishedFigure
from satudata.reference.models import CodeList, CrosswalkPair

logger = logging.getLogger(__name__)

FIXED_COLUMNS = {"id", "kode_provinsi", "nama_provinsi", "kode_kabupaten_kota", "nama_kabupaten_kota", "satuan", "tahun"}


class PublishedFileInvalid(DomainError):
    code = "published.invalid"


@dataclass
class LoadReport:
    dataset: PublishedDataset
    rows: int
    regencies: int
    years: list[int]
    mapped: int
    unmapped_codes: list[str] = field(default_factory=list)


def bps_to_kemendagri() -> dict[str, str]:
    """BPS regency codes (4 digits) → dotted Kemendagri codes, from the loaded crosswalk."""
    pairs = CrosswalkPair.objects.filter(
        crosswalk__source_edition__code_list__kind=CodeList.BPS_REGION,
        crosswalk__target_edition__code_list__kind=CodeList.REGION,
    ).values_list("source_code", "target_code")
    mapping: dict[str, str] = {}
    for source, target in pairs:
        mapping.setdefault(source, target)
    return mapping


@transaction.atomic
def load_published_csv(path: Path, *, title: str = "", publisher: str = "") -> LoadReport:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = {"kode_kabupaten_kota", "nama_kabupaten_kota", "tahun"} - set(columns)
    if missing:
        raise PublishedFileInvalid(
            _("{file}: missing columns {columns}; expected an Open Data export with kode_kabupaten_kota, "
              "nama_kabupaten_kota and tahun."), file=path.name, columns=", ".join(sorted(missing)),
        )
    others = [c for c in columns if c not in FIXED_COLUMNS]
    measures = [c for c in others if c.startswith(("jumlah", "proyeksi"))]
    if len(measures) != 1:
        raise PublishedFileInvalid(_("{file}: cannot tell which column holds the figures among {columns}."),
                                   file=path.name, columns=", ".join(others))
    measure = measures[0]
    dimensions = [c for c in others if c != measure]
    dimension = dimensions[0] if dimensions else ""
    crosswalk = bps_to_kemendagri()
    slug = slugify(path.stem)[:120]
    PublishedDataset.objects.filter(slug=slug).delete()
    dataset = PublishedDataset.objects.create(
        slug=slug, title=title or path.stem, publisher=publisher, file_name=path.name,
        sha256=hashlib.sha256(raw).hexdigest(), measure=measure, dimension=dimension,
        is_projection=measure.startswith("proyeksi"),
    )
    figures: list[PublishedFigure] = []
    unmapped: set[str] = set()
    years: set[int] = set()
    for line, row in enumerate(reader, start=2):
        bps = (row["kode_kabupaten_kota"] or "").strip()
        value_text = (row[measure] or "").strip()
        try:
            value = float(value_text)
            year = int(row["tahun"])
        except ValueError:
            raise PublishedFileInvalid(
                _("{file}, line {line}: {column} {value!r} or tahun {year!r} is not a number."),
                file=path.name, line=line, column=measure, value=value_text, year=row["tahun"],
            ) from None
        region = crosswalk.get(bps, "")
        if not region:
            unmapped.add(bps)
        years.add(year)
        figures.append(PublishedFigure(
            dataset=dataset, bps_code=bps, region_code=region, region_name=row["nama_kabupaten_kota"].strip(),
            category=(row.get(dimension) or "").strip() if dimension else "", year=year, value=value,
            unit=(row.get("satuan") or "").strip(),
        ))
    PublishedFigure.objects.bulk_create(figures, batch_size=2000)
    dataset.rows = len(figures)
    dataset.unmapped_codes = sorted(unmapped)
    dataset.save(update_fields=["rows", "unmapped_codes"])
    regencies = len({f.bps_code for f in figures})
    logger.info("Loaded published dataset=%s rows=%d unmapped=%d", slug, len(figures), len(unmapped))
    return LoadReport(dataset=dataset, rows=len(figures), regencies=regencies, years=sorted(years),
                      mapped=sum(1 for f in figures if f.region_code), unmapped_codes=sorted(unmapped))
