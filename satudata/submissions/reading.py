"""Reading producers' files as tables of text: CSV and workbooks (XLSX, XLS, ODS).

Every cell is read as text, never type-inferred, so KBLI ``01111``, RT ``003`` and a 16-digit
NIK reach validation exactly as written. For workbooks, cells that were stored as numbers are
flagged (``__num__<variable>``), because a number cell may already have lost digits.
"""

import codecs
import csv
import datetime as dt
import io
import math
import mmap
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
from python_calamine import CalamineWorkbook

from satudata.submissions.errors import FileRejected, rejected

ROW = "__row"
HEADER_SEARCH_ROWS = 30
CHUNK_BYTES = 8 * 1024 * 1024
# Largest total size the parts of a workbook may expand to, and the largest expansion ratio.
MAX_WORKBOOK_EXPANDED_BYTES = 2 * 1024**3
MAX_WORKBOOK_RATIO = 200
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass
class TableLayout:
    file_format: str
    header_row: int  # 1-based row number of the header, counting title rows above it
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    decoded_path: str | None = None  # UTF-8 copy of a Windows-1252 CSV
    notes: list[str] = field(default_factory=list)
    # Rows below the header: exact for workbooks, estimated from the sample's line length for CSV.
    estimated_rows: int | None = None

    def to_json(self) -> dict:
        return {
            "file_format": self.file_format, "header_row": self.header_row, "headers": self.headers,
            "encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet,
            "decoded_path": self.decoded_path, "notes": self.notes, "estimated_rows": self.estimated_rows,
        }

    @classmethod
    def from_json(cls, data: dict) -> "TableLayout":
        return cls(**data)


# -- what kind of file is it -----------------------------------------------------------------------

def sniff_format(path: Path, display_name: str) -> str:
    """Return "csv", "xlsx", "xls" or "ods", or raise ``FileRejected`` saying what the file is."""
    size = path.stat().st_size
    if size == 0:
        raise rejected("file.empty", file=display_name)
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path, display_name)
    if head.startswith(CFB_MAGIC):
        with open(path, "rb") as handle:
            # The directory of a compound file is small; an encrypted OOXML package names its stream.
            content = handle.read(min(size, 4 * 1024 * 1024))
        if ENCRYPTED_PACKAGE in content:
            raise rejected("file.encrypted", file=display_name)
        return "xls"
    if head.startswith(b"%PDF"):
        raise rejected("file.pdf", file=display_name)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head", b"<meta")) or (
        start.startswith(b"<") and (b"<html" in head.lower() or b"<table" in head.lower())
    ):
        raise rejected("file.html", file=display_name)
    return "csv"


def _sniff_zip(path: Path, display_name: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile:
        raise rejected("file.corrupt_workbook", file=display_name) from None
    expanded = sum(i.file_size for i in infos)
    compressed = max(sum(i.compress_size for i in infos), 1)
    if expanded > MAX_WORKBOOK_EXPANDED_BYTES or (
        expanded > 100 * 1024**2 and expanded / compressed > MAX_WORKBOOK_RATIO
    ):
        raise rejected("file.zip_bomb", file=display_name, expanded_mb=expanded // 1024**2)
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "EncryptedPackage" in names:
        raise rejected("file.encrypted", file=display_name)
    raise rejected("file.not_workbook", file=display_name)


# -- CSV -------------------------------------------------------------------------------------------

def detect_encoding(path: Path, display_name: str) -> str:
    """Return "utf-8", "utf-8-sig" or "cp1252"; reject files with NUL bytes.

    The file is mapped into memory rather than read, so checking a file of several hundred
    megabytes copies nothing and builds no Python string.
    """
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return "utf-8"
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            nul = mapped.find(b"\x00")
            if nul >= 0:
                raise rejected("file.nul_byte", file=display_name, offset=nul)
            bom = mapped[:3] == codecs.BOM_UTF8
            utf8 = _is_utf8(mapped)
    if utf8:
        return "utf-8-sig" if bom else "utf-8"
    return "cp1252"


def _is_utf8(data: mmap.mmap) -> bool:
    """Return whether ``data`` is valid UTF-8, checked by Arrow on the mapped bytes in place."""
    buffer = pa.py_buffer(data)
    offsets = pa.array([0, buffer.size], type=pa.int64()).buffers()[1]
    # One Arrow text value spanning the whole file: casting it from binary validates the UTF-8.
    value = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer])
    try:
        value.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    finally:
        # The mapping cannot be closed while an Arrow buffer still points into it.
        del value, buffer
    return True


def transcode_to_utf8(path: Path, target: Path, encoding: str, display_name: str) -> None:
    try:
        with open(path, encoding=encoding, newline="") as source, open(target, "w", encoding="utf-8", newline="") as out:
            while chunk := source.read(CHUNK_BYTES):
                out.write(chunk)
    except UnicodeDecodeError:
        raise rejected("file.encoding", file=display_name) from None


def _head_lines(path: Path, encoding: str, limit_bytes: int = 256 * 1024) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(limit_bytes)
    text = raw.decode(encoding, errors="ignore")
    if len(raw) == limit_bytes and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text


def detect_delimiter(sample: str) -> str:
    """Choose among comma, semicolon, tab and pipe by how consistently each splits the first lines."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in (",", ";", "\t", "|"):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        consistent = sum(1 for c in counts if c == widest) / len(counts)
        score = widest * consistent
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_head_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    sample = _head_lines(path, encoding)
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    for row in reader:
        rows.append(row)
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    return rows


def header_score(cells: list[str], known: set[str]) -> int:
    return sum(1 for cell in cells if normalize_header(cell) in known)


def normalize_header(text: str) -> str:
    """Lower-case, collapse spaces and drop surrounding punctuation: "Omzet / Tahun (Rp)" → "omzet / tahun (rp)"."""
    text = str(text).replace("\n", " ").replace("\xa0", " ").replace("_", " ")
    return " ".join(text.lower().split()).strip(" .:*")


def find_header(rows: list[list[str]], known: set[str]) -> int | None:
    """Index of the row that looks most like a header, or None when no row names a known variable."""
    best_index, best_score = None, 0
    for index, row in enumerate(rows):
        score = header_score(row, known)
        if score > best_score:
            best_index, best_score = index, score
    if best_index is None or best_score < 2:
        return None
    return best_index


def _unique_headers(cells: list[str]) -> list[str]:
    """Name empty header cells by column number and make repeated names unique ("Alamat (2)")."""
    headers: list[str] = []
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        name = " ".join(str(cell).split()) or f"Kolom {number}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


def inspect_csv(path: Path, display_name: str, known: set[str], work_dir: Path) -> TableLayout:
    encoding = detect_encoding(path, display_name)
    read_path = path
    decoded = None
    if encoding == "cp1252":
        decoded = work_dir / "decoded-utf8.csv"
        transcode_to_utf8(path, decoded, "cp1252", display_name)
        read_path = decoded
        encoding_for_head = "utf-8"
    else:
        encoding_for_head = encoding
    sample = _head_lines(read_path, encoding_for_head)
    delimiter = detect_delimiter(sample)
    rows = _read_head_rows(read_path, encoding_for_head, delimiter)
    index = find_header(rows, known)
    if index is None:
        if not rows:
            raise rejected("file.empty", file=display_name)
        index = 0
    lines = [line for line in sample.splitlines() if line.strip()]
    bytes_per_row = max(len(sample.encode()) / max(len(lines), 1), 1.0)
    estimated = max(int(read_path.stat().st_size / bytes_per_row) - index - 1, 0)
    return TableLayout(
        file_format="csv", header_row=index + 1, headers=_unique_headers(rows[index]),
        encoding=encoding, delimiter=delimiter, decoded_path=str(decoded) if decoded else None,
        estimated_rows=estimated,
    )


def iter_csv_batches(path: Path, layout: TableLayout, columns: dict[int, str], batch_size: int,
                     display_name: str) -> Iterator[pl.DataFrame]:
    """Return frames of ``__row`` plus one text column per mapped column index.

    Polars starts parsing in its own threads when this is called, not at the first ``next()``, so
    the caller can prepare its validation while the first batches are read.
    """
    read_path = Path(layout.decoded_path) if layout.decoded_path else path
    width = len(layout.headers)
    names = [f"c{i}" for i in range(width)]
    try:
        lazy = pl.scan_csv(
            read_path,
            has_header=False,
            skip_rows=layout.header_row,
            separator=layout.delimiter or ",",
            infer_schema=False,
            schema={name: pl.String for name in names},
            row_index_name=ROW,
            row_index_offset=layout.header_row + 1,
            encoding="utf8",
            raise_if_empty=False,
            truncate_ragged_lines=False,
        ).select([pl.col(ROW).cast(pl.Int64)] + [pl.col(f"c{i}").alias(code) for i, code in columns.items()])
        # NOTE: collect_batches parses ahead of the consumer (Polars 2.1), so memory keeps most of
        # the parsed file rather than one batch. docs/benchmarks.md gives the measurement.
        batches = lazy.collect_batches(chunk_size=batch_size)
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(exc, read_path, layout, display_name) from None
    return _csv_batches(batches, read_path, layout, display_name)


def _csv_batches(batches: Iterator[pl.DataFrame], read_path: Path, layout: TableLayout,
                 display_name: str) -> Iterator[pl.DataFrame]:
    try:
        yield from batches
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(exc, read_path, layout, display_name) from None


def _csv_error(exc: pl.exceptions.PolarsError, read_path: Path, layout: TableLayout, display_name: str) -> FileRejected:
    """Return the rejection of a file that Polars could not parse: a ragged row, or the parser's reason."""
    ragged = _first_ragged_row(read_path, layout)
    if ragged is not None:
        return rejected("file.ragged", file=display_name, row=ragged, columns=len(layout.headers))
    return rejected("file.csv_invalid", file=display_name, reason=str(exc).splitlines()[0][:300])


def _first_ragged_row(path: Path, layout: TableLayout) -> int | None:
    """Row number (as the spreadsheet counts) of the first row with more cells than the header."""
    width = len(layout.headers)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter=layout.delimiter or ","), start=1):
            if number > layout.header_row and len(row) > width and any(cell.strip() for cell in row[width:]):
                return number
    return None


# -- workbooks -------------------------------------------------------------------------------------

def _open_sheet(path: Path, display_name: str):
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises several private error types for damaged files
        message = str(exc).lower()
        if "password" in message or "encrypt" in message:
            raise rejected("file.encrypted", file=display_name) from None
        raise rejected("file.corrupt_workbook", file=display_name) from None
    names = workbook.sheet_names
    if not names:
        raise rejected("file.no_sheet", file=display_name)
    return workbook.get_sheet_by_index(0), names[0]


def cell_text(value: object) -> tuple[str | None, bool]:
    """Return a cell as text and whether it was stored as a number."""
    if value is None or value == "":
        return None, False
    if isinstance(value, bool):
        return ("ya" if value else "tidak"), False
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e17:
            return str(int(value)), True
        return repr(value), True
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat(), False
        return value.isoformat(sep=" "), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, dt.timedelta):
        return str(value), False
    return str(value), False


def _merged_fills(sheet) -> tuple[dict[int, list[int]], dict[int, list[tuple[int, tuple[int, int]]]]]:
    """Index merged ranges by row: the anchor (top-left) cells per row, and the covered cells per row."""
    anchors: dict[int, list[int]] = {}
    covered: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        anchors.setdefault(r0, []).append(c0)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered.setdefault(r, []).append((c, (r0, c0)))
    return anchors, covered


def inspect_workbook(path: Path, display_name: str, known: set[str], file_format: str) -> TableLayout:
    sheet, sheet_name = _open_sheet(path, display_name)
    rows: list[list[str]] = []
    for row in sheet.iter_rows():
        rows.append([cell_text(c)[0] or "" for c in row])
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    if not any(any(cell for cell in row) for row in rows):
        raise rejected("file.no_sheet", file=display_name)
    index = find_header(rows, known)
    if index is None:
        index = next(i for i, row in enumerate(rows) if any(cell for cell in row))
    total = (sheet.end[0] + 1) if sheet.end else len(rows)
    return TableLayout(file_format=file_format, header_row=index + 1, headers=_unique_headers(rows[index]),
                       sheet=sheet_name, estimated_rows=max(total - index - 1, 0))


def iter_workbook_batches(path: Path, layout: TableLayout, columns: dict[int, str], batch_size: int,
                          display_name: str) -> Iterator[pl.DataFrame]:
    """Yield frames of ``__row``, one text column and one ``__num__`` flag column per mapped column.

    Cells inside a merged range take the value of the range's top-left cell, as the sheet shows it.
    """
    sheet, _name = _open_sheet(path, display_name)
    _start_row, start_col = sheet.start or (0, 0)
    anchors, covered = _merged_fills(sheet)
    merged_values: dict[tuple[int, int], object] = {}
    codes = list(columns.items())
    buffer_rows: list[int] = []
    buffer: dict[str, list] = {code: [] for _i, code in codes}
    numeric: dict[str, list] = {code: [] for _i, code in codes}

    def flush() -> pl.DataFrame:
        data: dict[str, pl.Series] = {ROW: pl.Series(ROW, buffer_rows, dtype=pl.Int64)}
        for _i, code in codes:
            data[code] = pl.Series(code, buffer[code], dtype=pl.String)
            data[f"__num__{code}"] = pl.Series(f"__num__{code}", numeric[code], dtype=pl.Boolean)
        return pl.DataFrame(data)

    for row_index, row in enumerate(sheet.iter_rows()):
        # iter_rows starts at the sheet's first row whatever the used range, so the index is absolute.
        for column in anchors.get(row_index, ()):
            if 0 <= column - start_col < len(row):
                merged_values[(row_index, column)] = row[column - start_col]
        if row_index < layout.header_row:
            continue
        cells = list(row)
        for column, anchor in covered.get(row_index, ()):
            if 0 <= column - start_col < len(cells):
                cells[column - start_col] = merged_values.get(anchor, "")
        buffer_rows.append(row_index + 1)
        for column_index, code in codes:
            value = cells[column_index] if column_index < len(cells) else None
            text, was_number = cell_text(value)
            buffer[code].append(text)
            numeric[code].append(was_number)
        if len(buffer_rows) >= batch_size:
            yield flush()
            buffer_rows = []
            buffer = {code: [] for _i, code in codes}
            numeric = {code: [] for _i, code in codes}
    if buffer_rows:
        yield flush()


# -- entry points ----------------------------------------------------------------------------------

def inspect_table(path: Path, display_name: str, known_headers: set[str], work_dir: Path) -> TableLayout:
    """Find out how to read a file: its format, encoding, delimiter and header row."""
    file_format = sniff_format(path, display_name)
    if file_format == "csv":
        return inspect_csv(path, display_name, known_headers, work_dir)
    return inspect_workbook(path, display_name, known_headers, file_format)


def iter_batches(path: Path, layout: TableLayout, columns: dict[int, str], display_name: str,
                 batch_size: int = 200_000) -> Iterator[pl.DataFrame]:
    """Return the data rows below the header in batches, skipping rows whose every cell is empty.

    A CSV file starts being parsed when this is called (see ``iter_csv_batches``).
    """
    if layout.file_format == "csv":
        batches = iter_csv_batches(path, layout, columns, batch_size, display_name)
    else:
        batches = iter_workbook_batches(path, layout, columns, batch_size, display_name)
    return _filled_rows(batches, list(columns.values()))


def _filled_rows(batches: Iterator[pl.DataFrame], text_columns: list[str]) -> Iterator[pl.DataFrame]:
    for batch in batches:
        if text_columns:
            # A cell holding only spaces counts as filled here; validation then reports the row.
            filled = batch.select(
                pl.any_horizontal([pl.col(c).str.len_bytes() > 0 for c in text_columns]).fill_null(False)
            ).to_series()
            if not filled.all():
                batch = batch.filter(filled)
        if batch.height:
            yield batch
