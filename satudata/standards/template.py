"""The XLSX submission template generated from a standard version.

One column per variable, headed by its Indonesian name (the mapping recognises it), with the
definition as a cell comment, identifiers formatted as text so Excel keeps every digit, and
drop-down lists for coded variables.
"""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.standards.models import StandardVersion

TEXT_TYPES = {"nik", "nib", "phone", "rt_rw", "code", "region", "text", "email", "region_name"}
TEMPLATE_ROWS = 5000
# Excel accepts at most this many rows in a list referenced by a data validation without slowing down.
MAX_LIST = 100_000


def build_template(version: StandardVersion, *, region_prefix: str = "") -> bytes:
    """Return the template workbook; village drop-downs are limited to ``region_prefix`` when given."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "text_wrap": True,
                              "valign": "top", "border": 1})
    required_header = book.add_format({"bold": True, "bg_color": "#9C2A00", "font_color": "#FFFFFF",
                                       "text_wrap": True, "valign": "top", "border": 1})
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})

    variables = [v for v in version.variables.all() if v.datatype != "region_name"]
    data = book.add_worksheet(_("Data"))
    lists = book.add_worksheet(_("Codes"))
    info = book.add_worksheet(_("Instructions"))
    info.activate()
    list_column = 0

    for column, variable in enumerate(variables):
        data.write_string(0, column, variable.name, required_header if variable.required else header)
        note = f"{variable.name} ({variable.code})\n{variable.definition}"
        if variable.unit:
            note += "\n" + _("Unit: {unit}").format(unit=variable.unit)
        data.write_comment(0, column, note, {"x_scale": 2.5, "y_scale": 2})
        data.set_column(column, column, 20, text if variable.datatype in TEXT_TYPES else None)
        values = _drop_down_values(variable, region_prefix)
        if values:
            lists.write_string(0, list_column, variable.code, bold)
            for row, value in enumerate(values[:MAX_LIST], start=1):
                lists.write_string(row, list_column, value)
            letter = xlsxwriter.utility.xl_col_to_name(list_column)
            source = f"={_quoted(lists.name)}!${letter}$2:${letter}${min(len(values), MAX_LIST) + 1}"
            data.data_validation(1, column, TEMPLATE_ROWS, column, {
                "validate": "list", "source": source, "ignore_blank": True,
                "error_title": variable.name,
                "error_message": _("Choose a value from the list."),
                "error_type": "warning",
            })
            list_column += 1
    data.freeze_panes(1, 0)
    data.set_row(0, 45)
    lists.hide()

    info.set_column(0, 0, 32)
    info.set_column(1, 1, 100)
    info.write_string(0, 0, _("Submission template, data standard {label}").format(label=version.label), bold)
    lines = [
        _("Fill one row per business in the Data sheet, starting in row 2. Do not change the header row."),
        _("Red headers are required. Hover over a header to read the variable's definition."),
        _("NIK, NIB, phone and code columns are formatted as text: type them with every digit, including leading zeros."),
        _("Write amounts in rupiah without decimals or in Indonesian notation (1.500.000), and dates as DD/MM/YYYY."),
        _("Coded columns offer a drop-down list of valid codes."),
    ]
    for row, line in enumerate(lines, start=2):
        info.write_string(row, 1, line, wrap)
    info.write_string(len(lines) + 3, 0, _("Variable"), bold)
    info.write_string(len(lines) + 3, 1, _("Definition"), bold)
    for row, variable in enumerate(variables, start=len(lines) + 4):
        info.write_string(row, 0, variable.name)
        info.write_string(row, 1, variable.definition, wrap)
    book.close()
    return output.getvalue()


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def _drop_down_values(variable, region_prefix: str) -> list[str]:
    if variable.datatype == "code":
        lookup = code_list_lookup(variable.code_list)
        if lookup is None:
            return []
        if variable.code_list == "kbli":
            level = int((variable.domain or {}).get("level", 5))
            if not lookup.is_complete and level != 1:
                return []
            return sorted(lookup.codes(level).to_list())
        return [lookup.labels[c] for c in lookup.labels]
    if variable.datatype == "region" and region_prefix:
        regions = region_lookup()
        if regions is None:
            return []
        villages = regions.villages.filter(regions.villages.str.starts_with(region_prefix + ".")).sort()
        return villages.to_list()
    return []
