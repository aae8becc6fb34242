"""Row error reports for producers: a list for screens and the CLI, CSV and XLSX downloads.

The XLSX report repeats each rejected row as the producer wrote it, with every faulty cell
filled red and the reason in a cell comment, so the producer can correct the rows in place and
upload the file again.
"""

import csv
import io
import json
from dataclasses import dataclass

import polars as pl
import xlsxwriter
from django.utils.translation import gettext as _

from satudata.submissions.models import Submission
from satudata.submissions.services import error_frame
from satudata.validation.messages import render_message

# Cell comments make a workbook slow to open in Excel beyond a few tens of thousands.
MAX_COMMENTS = 20_000


@dataclass
class RowError:
    row: int
    column: str  # the header as written in the file
    field: str  # variable code
    label: str  # variable name in the active language
    value: str | None
    code: str
    message: str
    # For records pushed through the API or entered in the form: the record's position, 1 for the first.
    record: int | None = None

    @property
    def number(self) -> int:
        """The number screens show: the record's number, or the row's as the spreadsheet shows it."""
        return self.row if self.record is None else self.record

    @property
    def place(self) -> str:
        """The place of the error on screens: the column's header, or the variable's name for records."""
        return self.column if self.record is None else self.label


def _labels(submission: Submission) -> dict[str, str]:
    return {v.code: v.label for v in submission.standard_version.variables.all()}


def _headers_by_variable(submission: Submission) -> dict[str, str]:
    columns = (submission.mapping or {}).get("columns", [])
    return {c["variable"]: c["header"] for c in columns if c.get("variable")}


def row_errors(submission: Submission, *, offset: int = 0, limit: int | None = None,
               frame: pl.DataFrame | None = None) -> list[RowError]:
    """Row errors with messages rendered in the active language."""
    errors = frame if frame is not None else error_frame(submission)
    if offset or limit is not None:
        errors = errors.slice(offset, limit)
    labels = _labels(submission)
    headers = _headers_by_variable(submission)
    records = submission.from_records
    result = []
    for row, field_code, value, code, detail in errors.iter_rows():
        label = labels.get(field_code, field_code)
        parsed = json.loads(detail) if detail else None
        if parsed and "key" in parsed:
            # Duplicate keys name variable codes; the message shows their names.
            parsed["key"] = " + ".join(labels.get(part.strip(), part.strip()) for part in parsed["key"].split("+"))
        if records and parsed and "first_row" in parsed:
            parsed["first_record"] = submission.record_number(parsed["first_row"])
        message = render_message(code, field=label, value=value, detail=parsed, records=records)
        result.append(RowError(row=row, column=headers.get(field_code, label), field=field_code, label=label,
                               value=value, code=code, message=message,
                               record=submission.record_number(row) if records else None))
    return result


def errors_csv(submission: Submission) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    number = _("Record") if submission.from_records else _("Row")
    writer.writerow([number, _("Column"), _("Field"), _("Value"), _("Error code"), _("Message")])
    for error in row_errors(submission):
        writer.writerow([error.number, error.column, error.field, error.value or "", error.code, error.message])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def errors_xlsx(submission: Submission) -> bytes:
    """The rejected rows with their original cells, faulty cells marked and explained."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE7F0", "border": 1})
    faulty = workbook.add_format({"bg_color": "#F8C9C4", "font_color": "#7A0B00"})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(_("Rejected rows"))
    layout = submission.layout or {}
    headers: list[str] = layout.get("headers", [])
    mapping = {c["index"]: c["variable"] for c in (submission.mapping or {}).get("columns", [])}
    column_names = [mapping.get(i) or f"__col__{i}" for i in range(len(headers))]
    sheet.write(0, 0, _("Record") if submission.from_records else _("Row in your file"), bold)
    for index, header in enumerate(headers, start=1):
        sheet.write(0, index, header, bold)
    sheet.write(0, len(headers) + 1, _("Errors"), bold)
    sheet.freeze_panes(1, 1)

    rejected_path = submission.folder / "rejected.parquet"
    rows = pl.read_parquet(rejected_path) if rejected_path.exists() else pl.DataFrame({"__row": []})
    errors = row_errors(submission)
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    comments = 0
    for out_row, values in enumerate(rows.iter_rows(named=True), start=1):
        row_number = values["__row"]
        shown_number = submission.record_number(row_number) if submission.from_records else row_number
        sheet.write_number(out_row, 0, shown_number)
        row_errors_here = by_row.get(row_number, [])
        bad = {e.field: e for e in row_errors_here}
        for index, name in enumerate(column_names, start=1):
            value = values.get(name)
            error = bad.get(name)
            if error is not None:
                sheet.write_string(out_row, index, "" if value is None else str(value), faulty)
                if comments < MAX_COMMENTS:
                    sheet.write_comment(out_row, index, error.message, {"x_scale": 3, "y_scale": 2})
                    comments += 1
            elif value is not None:
                sheet.write_string(out_row, index, str(value), text)
        summary = " | ".join(f"{e.column}: {e.message}" for e in row_errors_here)
        sheet.write_string(out_row, len(headers) + 1, summary)
    sheet.set_column(1, len(headers), 18)
    sheet.set_column(len(headers) + 1, len(headers) + 1, 80)

    info = workbook.add_worksheet(_("About this report"))
    lines = [
        _("Submission {id}: {file}").format(id=submission.pk, file=submission.display_name),
        _("Rows read: {read}; accepted: {accepted}; rejected: {rejected}.").format(
            read=submission.rows_read, accepted=submission.rows_accepted, rejected=submission.rows_rejected),
        _("Red cells are invalid; hover over a red cell to read why. Correct the rows and upload them again."),
    ]
    if comments >= MAX_COMMENTS:
        lines.append(_("Only the first {count} faulty cells carry a comment; the Errors column explains every row.")
                     .format(count=MAX_COMMENTS))
    for number, line in enumerate(lines):
        info.write_string(number, 0, line)
    info.set_column(0, 0, 120)
    workbook.close()
    return output.getvalue()
