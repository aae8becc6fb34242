"""Errors about a submitted file as a whole (it cannot be read), as opposed to row errors."""

from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError


class FileRejected(DomainError):
    """The file cannot be read as a table; nothing from it was stored in the registry."""

    code = "file.unreadable"


MESSAGES = {
    "file.empty": _("The file {file} is empty. Check that you chose the right file and upload it again."),
    "file.too_large": _(
        "The file {file} is {size_mb} MB, above the limit of {limit_mb} MB. Split it into smaller files "
        "(for example one per regency) and upload them one by one."
    ),
    "file.nul_byte": _(
        "The file {file} contains a NUL byte at position {offset}, so it is not a text CSV file. Export "
        "the data again as CSV (UTF-8) or XLSX."
    ),
    "file.html": _(
        "The file {file} is a web page (HTML) saved under a spreadsheet name. Open it in Excel or LibreOffice "
        "and save it as XLSX or CSV, then upload that file."
    ),
    "file.pdf": _("The file {file} is a PDF document, not a table. Upload the data as XLSX or CSV."),
    "file.encrypted": _(
        "The workbook {file} is protected with a password, so it cannot be read. Remove the password in "
        "Excel (File > Info > Protect Workbook) and upload it again."
    ),
    "file.zip_bomb": _(
        "The workbook {file} expands to {expanded_mb} MB when unpacked, which is not a normal spreadsheet. "
        "Save the data again as XLSX or CSV."
    ),
    "file.not_workbook": _(
        "The file {file} is a ZIP archive but not an Excel or OpenDocument workbook. Upload an XLSX or CSV file."
    ),
    "file.corrupt_workbook": _(
        "The workbook {file} is damaged and cannot be opened. Open it in Excel, save it again as XLSX and "
        "upload the new file."
    ),
    "file.no_sheet": _(
        "The workbook {file} has no worksheet with data. Put the data in the first sheet and upload it again."
    ),
    "file.no_header": _(
        "No header row was found in the first {rows} rows of {file}. The first row of the table must hold "
        "the column names."
    ),
    "file.ragged": _(
        "Row {row} of {file} has more cells than the header row ({columns} columns). Check the delimiter "
        "and quotes of that row."
    ),
    "file.csv_invalid": _("The file {file} is not a valid CSV file: {reason}"),
    "file.encoding": _(
        "The file {file} is neither UTF-8 nor Windows-1252 text. Save it again as CSV (UTF-8)."
    ),
}


def rejected(code: str, **params: object) -> FileRejected:
    return FileRejected(MESSAGES[code], code=code, **params)
