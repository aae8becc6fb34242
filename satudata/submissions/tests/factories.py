"""Small submission files built in tests: template-style rows, SIDT rows, CSV and XLSX."""

import csv
import io
from pathlib import Path

import xlsxwriter

# A valid row in the template's own headers. NIK 3273015203900001 = district 32.73.01,
# born 12-03-1990, female (day 52 = 12 + 40).
VALID_ROW = {
    "NIK pemilik": "3273015203900001",
    "Nama pemilik": "Siti Aminah",
    "Jenis kelamin pemilik": "P",
    "Tanggal lahir pemilik": "12/03/1990",
    "Nomor HP/telepon pemilik": "0812-3456-7890",
    "NIB": "1234567890123",
    "Nama usaha": "Warung Siti",
    "Kode KBLI": "56103",
    "Alamat usaha": "Jl. Sukajadi No. 5",
    "Kode desa/kelurahan usaha": "32.73.01.1001",
    "Tahun referensi": "2025",
    "Modal usaha": "15.000.000",
    "Hasil penjualan tahunan (omzet)": "120.000.000",
    "Skala usaha": "Mikro",
    "Jumlah tenaga kerja": "2",
}


def rows_with(*changes: dict) -> list[dict]:
    """One row per change dict, each a copy of VALID_ROW with the changes applied."""
    rows = []
    for number, change in enumerate(changes):
        row = dict(VALID_ROW)
        # Distinct businesses: a different NIB and business name per row unless the change sets them.
        row["NIB"] = f"{1234567890123 + number}"
        row["Nama usaha"] = f"Warung Siti {number}"
        row.update(change)
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8",
              title_lines: list[str] | None = None) -> Path:
    headers = list(rows[0].keys()) if rows else list(VALID_ROW)
    buffer = io.StringIO()
    for line in title_lines or []:
        buffer.write(line + "\n")
    writer = csv.DictWriter(buffer, fieldnames=headers, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict], *, title: str | None = None, numbers: set[str] = frozenset()) -> Path:
    """Write rows to the first sheet; columns in ``numbers`` are written as number cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    headers = list(rows[0].keys())
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title)
        start = 2
    for column, header in enumerate(headers):
        sheet.write_string(start, column, header)
    for r, row in enumerate(rows, start=start + 1):
        for column, header in enumerate(headers):
            value = row[header]
            if header in numbers and value not in ("", None):
                sheet.write_number(r, column, float(value))
            elif value not in ("", None):
                sheet.write_string(r, column, str(value))
    book.close()
    return path


def submit(path: Path, producer, *, reference_year: int | None = None, saved: dict | None = None,
           compile_rows: bool = True):
    """Run a file through the whole pipeline, as 'satudata submit' does, and return the submission."""
    from satudata.accounts.models import User
    from satudata.submissions import procedure, services
    from satudata.submissions.models import Submission

    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer, source=source, original_name=path.name,
                                           channel=Submission.Channel.CLI, reference_year=reference_year)
    services.inspect(submission, saved=saved)
    procedure.submit(submission, background=False)
    if compile_rows and submission.rows_accepted:
        procedure.accept(submission, actor=User.objects.get(username="walidata"), background=False)
    submission.refresh_from_db()
    return submission


def errors_of(submission) -> list[tuple[int, str, str]]:
    """(row, field, code) of every row error, sorted."""
    from satudata.submissions.services import error_frame

    frame = error_frame(submission)
    return sorted((row, field, code) for row, field, _value, code, _detail in frame.iter_rows())
