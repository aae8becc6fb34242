"""Enumerator entry: records typed in the field, one at a time, collected in a draft submission of
the enumerator's producer and submitted like an upload.

Permen UMKM 8/2025 has producers collect by the data standard (Pasal 18 ayat 1) and deliver by
manual entry or system integration (Pasal 20 ayat 3), and its collection procedure (annex,
Bab III A) enters new data through enumerator accounts. Each record is checked with the rules of
a file (``validation.engine.Validator``) while it is typed. It is checked again when it is saved,
and a record with errors is not saved. Submitting writes the draft's records to a table file and
hands it to the walidata through ``procedure.submit``.
"""

import dataclasses
import json
import re
from typing import Any

import polars as pl
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from satudata.access.scope import scoped_submissions
from satudata.accounts.models import Role
from satudata.errors import DomainError, PermissionDenied
from satudata.reference.lookups import RegionLookup, code_list_lookup, region_lookup
from satudata.standards.models import StandardVersion, Variable
from satudata.submissions import procedure, services
from satudata.submissions.models import Submission, SubmissionRecord
from satudata.validation.engine import Validator
from satudata.validation.messages import render_message
from satudata.validation.rules import RuleContext
from satudata.validation.specs import spec_from_version

from . import fields as form_fields

# Messages that a file report words for spreadsheet cells, worded here for a form.
FORM_MESSAGES = {
    "required": _("{field} is required. Fill it in."),
    "duplicate_in_draft": _(
        "This business is already record {first_row} of this draft (same {key}). Edit that record instead."
    ),
}
ROW = 1


class EntryError(DomainError):
    code = "entry.invalid"


@dataclasses.dataclass
class CheckResult:
    """Messages by variable code, in the active language; empty when the record is valid."""

    errors: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.errors


# -- who enters where -----------------------------------------------------------------------------

def require_entry_user(user) -> None:
    """Only producer and enumerator accounts bound to a producer enter records."""
    if not (user.is_authenticated and user.role in (Role.PRODUCER, Role.ENUMERATOR) and user.producer_id):
        raise PermissionDenied(_("Only producer and enumerator accounts of a producer can enter records."))


def entry_regions(user) -> tuple[str, ...]:
    """Return the regions where the user may enter businesses; an empty tuple means the whole nation.

    A regional producer's region bounds all its accounts, and an enumerator's own regions narrow
    it (``accounts.services.check_scope`` rejects regions outside the producer's).
    """
    base = user.producer.region_code or ""
    own = tuple(user.region_scope or ()) if user.role == Role.ENUMERATOR else ()
    if not own:
        return (base,) if base else ()
    inside = tuple(code for code in own if not base or code == base or code.startswith(base + "."))
    if not inside:
        raise EntryError(_("Your regions lie outside the region of your producer. Ask the walidata "
                           "administrator to correct your account."))
    return inside


def _scope_label(regions: tuple[str, ...], lookup: RegionLookup | None) -> str:
    if lookup is None:
        return ", ".join(regions)
    return ", ".join(f"{lookup.names.name_of(code)} ({code})" for code in regions)


def entry_context(user) -> RuleContext:
    """Build the validation context of the user's producer, limited to the user's entry regions."""
    ctx = services.rule_context(user.producer)
    regions = entry_regions(user)
    label = _scope_label(regions, ctx.regions)
    return dataclasses.replace(ctx, producer_regions=regions, producer_scope_label=label)


def region_variables_in_scope(variables: list[Variable]) -> set[str]:
    """Region variables that locate the business, which must lie in the entry regions.

    The owner's home may be anywhere, so region variables of other entities are not limited.
    """
    return {v.code for v in variables if v.datatype == "region" and v.entity == Variable.Entity.BUSINESS}


# -- region pickers -------------------------------------------------------------------------------

def _level(code: str) -> int:
    return 0 if not code else code.count(".") + 1


def _covers(roots: tuple[str, ...], code: str) -> bool:
    if not roots:
        return True
    return any(code == root or code.startswith(root + ".") for root in roots)


def region_children(user, variable: Variable, parent: str) -> list[form_fields.Option]:
    """List the regions one step below ``parent`` that the user may pick for ``variable``."""
    lookup = region_lookup()
    if lookup is None:
        return []
    roots = entry_regions(user) if variable.code in region_variables_in_scope([variable]) else ()
    if parent and not _covers(roots, parent):
        return []
    if not parent and roots:
        return _options(lookup, list(roots) if len(roots) > 1 else lookup.children.get(roots[0], [roots[0]]))
    return _options(lookup, lookup.children.get(parent, []))


def _options(lookup: RegionLookup, codes: list[str]) -> list[form_fields.Option]:
    return [form_fields.Option(code, f"{lookup.names.name_of(code)} ({code})") for code in codes]


def region_picker(user, variable: Variable, value: str) -> form_fields.RegionPicker | None:
    """Cascading selects for a region variable, pre-set along the path to ``value`` when it is known."""
    lookup = region_lookup()
    if lookup is None:
        return None
    restricted = variable.code in region_variables_in_scope([variable])
    roots = entry_regions(user) if restricted else ()
    if len(roots) == 1:
        top = lookup.children.get(roots[0]) or [roots[0]]
        path = [roots[0]]
        while path[-1] and (parent := lookup.parents.get(path[-1])):
            path.append(parent)
        fixed = " › ".join(lookup.names.name_of(code) for code in reversed(path))
    else:
        top = list(roots) if roots else lookup.children.get("", [])
        fixed = ""
    village = _village_of(value)
    if village and village in lookup.parents:
        chosen = _path_to(lookup, village)
    elif not restricted and entry_regions(user):
        # An owner usually lives near the business, so an empty owner's village starts at the
        # enumerator's region and can still be moved anywhere.
        chosen = _path_to(lookup, entry_regions(user)[0])
    else:
        chosen = []
    levels = [form_fields.RegionLevel(_options(lookup, top))]
    for code in chosen:
        current = levels[-1]
        if code not in {o.value for o in current.options}:
            continue
        current.selected = code
        if _level(code) < 4:
            levels.append(form_fields.RegionLevel(_options(lookup, lookup.children.get(code, []))))
    return form_fields.RegionPicker(roots=roots, fixed=fixed, levels=levels)


def _village_of(value: str) -> str:
    digits = re.sub(r"[\s.]", "", value or "")
    if not re.fullmatch(r"[0-9]{10}", digits):
        return ""
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def _path_to(lookup: RegionLookup, village: str) -> list[str]:
    path = [village]
    while parent := lookup.parents.get(path[-1]):
        path.append(parent)
    return list(reversed(path))


# -- the form -------------------------------------------------------------------------------------

def form_sections(user, version: StandardVersion, values: dict[str, Any] | None = None,
                  errors: dict[str, list[str]] | None = None) -> list[form_fields.Section]:
    """Build the entry form of ``version`` for ``user``, filled with ``values`` and ``errors``."""
    variables = list(version.variables.all())
    values = values or {}
    kinds = {v.code_list for v in variables if v.datatype == "code" and v.code_list}
    code_lists = {kind: code_list_lookup(kind) for kind in kinds}
    pickers = {}
    for variable in variables:
        if variable.datatype == "region":
            picker = region_picker(user, variable, str(values.get(variable.code) or ""))
            if picker is not None:
                pickers[variable.code] = picker
    return form_fields.build_sections(variables, code_lists, pickers, values, errors)


def clean_values(version: StandardVersion, data: Any) -> dict[str, str]:
    """Collect the form's values by variable code, trimmed, with empty fields left out.

    A region field sends its selects too (``<code>__pick``): a village chosen there stands for
    the field, so the pickers work in a browser without script.
    """
    values = {}
    for code in form_fields.entry_codes(list(version.variables.all())):
        raw = data.get(code)
        picked = [p for p in data.getlist(f"{code}__pick") if p.strip()] if hasattr(data, "getlist") else []
        if picked and _level(picked[-1]) == 4:
            raw = picked[-1]
        if raw is not None and str(raw).strip():
            values[code] = str(raw).strip()
    return values


def headline_variables(version: StandardVersion) -> list[str]:
    """Variables that tell the records of a draft apart in its list: the first required text of
    each section, and the business's region."""
    variables = list(version.variables.all())
    chosen = []
    for entity in form_fields.SECTION_ORDER:
        candidates = (v for v in variables if v.entity == entity and v.required and v.datatype == "text")
        first = next(candidates, None)
        if first is not None:
            chosen.append(first.code)
    region = next((v for v in variables if v.code in region_variables_in_scope(variables)), None)
    if region is not None:
        chosen.append(region.code)
    return chosen


def headline_values(version: StandardVersion, codes: list[str], values: dict[str, Any]) -> list[str]:
    """Return the headline values of one record, with a region code shown by its name."""
    regions = {v.code for v in version.variables.all() if v.datatype == "region"}
    lookup = region_lookup() if regions & set(codes) else None
    shown = []
    for code in codes:
        value = str(values.get(code) or "")
        village = _village_of(value) if code in regions else ""
        if lookup is not None and village:
            value = lookup.names.name_of(village)
        shown.append(value)
    return shown


def headline_labels(version: StandardVersion, codes: list[str]) -> list[tuple[str, str]]:
    labels = {v.code: v.label for v in version.variables.all()}
    return [(code, labels.get(code, code)) for code in codes]


def entry_region_label(user) -> str:
    """Describe in words where the user enters businesses, for the page headers."""
    regions = entry_regions(user)
    if not regions:
        return str(_("all of Indonesia"))
    return _scope_label(regions, region_lookup())


def check_record(user, version: StandardVersion, values: dict[str, str], *,
                 draft: Submission | None = None, sequence: int | None = None) -> CheckResult:
    """Validate one record with the rules a file of the user's producer goes through.

    With ``draft``, the record is also compared with the draft's other records, as the whole-file
    check compares rows: one record per business (by NIB, or owner NIK with business name).
    """
    standard = spec_from_version(version)
    # Only the fields filled in are columns, as in a file without the other columns: the
    # validator still reports empty required variables, and each rule runs once, not per variable
    # of the standard.
    codes = [v.code for v in standard.variables if v.datatype != "region_name" and values.get(v.code)]
    frame = pl.DataFrame({"__row": [ROW], **{code: [values[code]] for code in codes}},
                         schema={"__row": pl.Int64, **dict.fromkeys(codes, pl.String)})
    result = Validator(standard, entry_context(user), codes).validate(frame)
    labels = {v.code: v.label or v.code for v in standard.variables}
    errors: dict[str, list[str]] = {}
    for _row, field_code, value, code, detail in result.errors.iter_rows():
        message = _message(code, labels.get(field_code, field_code), value, detail)
        errors.setdefault(field_code, []).append(message)
    if draft is not None:
        for field_code, message in _duplicates(draft, values, sequence, labels):
            errors.setdefault(field_code, []).append(message)
    return CheckResult(errors)


def _message(code: str, label: str, value: Any, detail: str | None) -> str:
    parsed = json.loads(detail) if detail else None
    if code in FORM_MESSAGES:
        return str(FORM_MESSAGES[code]).format(field=label, **(parsed or {}))
    return render_message(code, field=label, value=value, detail=parsed, records=True)


def _key_of(values: dict[str, Any]) -> tuple[str, str]:
    nik = re.sub(r"[\s.\-]", "", str(values.get("owner_nik") or ""))
    name = re.sub(r"[^a-z0-9]", "", str(values.get("business_name") or "").lower())
    return nik, name


def _duplicates(draft: Submission, values: dict[str, str], sequence: int | None,
                labels: dict[str, str]) -> list[tuple[str, str]]:
    """Errors for a record that repeats another record of the draft by NIB, or owner NIK with name."""
    found = []
    nib = re.sub(r"[\s.\-]", "", values.get("nib", ""))
    nik, name = _key_of(values)
    for other in draft.records.exclude(sequence=sequence or 0).order_by("sequence"):
        other_nib = re.sub(r"[\s.\-]", "", str(other.values.get("nib") or ""))
        if nib and nib == other_nib:
            found.append(("nib", str(FORM_MESSAGES["duplicate_in_draft"]).format(
                first_row=other.sequence, key=labels.get("nib", "nib"))))
            break
        if nik and name and (nik, name) == _key_of(other.values):
            key = " + ".join(labels.get(c, c) for c in ("owner_nik", "business_name"))
            found.append(("owner_nik", str(FORM_MESSAGES["duplicate_in_draft"]).format(
                first_row=other.sequence, key=key)))
            break
    return found


# -- the draft ------------------------------------------------------------------------------------

def current_draft(user) -> Submission | None:
    """Return the user's open entry draft, or None, read through the user's submission scope."""
    return (scoped_submissions(user)
            .filter(channel=Submission.Channel.FORM, state=Submission.State.DRAFT, submitted_by=user)
            .select_related("standard_version", "producer").order_by("-created_at").first())


def draft_version(draft: Submission | None) -> StandardVersion:
    """Return the standard version of the next record: the draft's, or the one in force."""
    from satudata.standards.loading import current_version

    return draft.standard_version if draft is not None else current_version()


def draft_records(draft: Submission | None) -> list[SubmissionRecord]:
    return list(draft.records.order_by("sequence")) if draft is not None else []


def draft_record(draft: Submission | None, sequence: int) -> SubmissionRecord | None:
    if draft is None:
        return None
    return draft.records.filter(sequence=sequence).first()


def record_position(draft: Submission | None, sequence: int) -> int:
    """Return the number a record is shown with: its position in the draft, 1 for the first.

    Sequences keep gaps where records were deleted, while the submitted file numbers the records
    by position, and error reports name them so. The draft shows the same numbers.
    """
    if draft is None:
        return 0
    return draft.records.filter(sequence__lte=sequence).count()


def _serialize_writes_of(user) -> None:
    """Lock the user's row until the transaction ends, so two saves from two browser tabs cannot
    open two drafts or take the same record number."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


@transaction.atomic
def save_record(user, values: dict[str, str], *,
                sequence: int | None = None) -> tuple[CheckResult, int | None]:
    """Validate a record and, when valid, add it to the user's draft (opened on the first record)
    or replace record ``sequence`` of it. Returns the check and the record's number."""
    require_entry_user(user)
    _serialize_writes_of(user)
    draft = current_draft(user)
    version = draft_version(draft)
    if sequence is not None and draft_record(draft, sequence) is None:
        raise EntryError(_("Record {sequence} is not in your draft."), sequence=sequence)
    check = check_record(user, version, values, draft=draft, sequence=sequence)
    if not check.ok:
        return check, None
    if draft is None:
        draft = services.open_draft(producer=user.producer, channel=Submission.Channel.FORM, user=user,
                                    name=f"entry-{user.username}.csv")
    if sequence is None:
        sequence = services.add_records(draft, [values], user=user)
    else:
        services.replace_record(draft, sequence, values, user=user)
    return check, sequence


@transaction.atomic
def delete_record(user, sequence: int) -> None:
    """Delete one record of the user's draft."""
    require_entry_user(user)
    _serialize_writes_of(user)
    draft = current_draft(user)
    if draft_record(draft, sequence) is None:
        raise EntryError(_("Record {sequence} is not in your draft."), sequence=sequence)
    services.remove_record(draft, sequence, user=user)


@transaction.atomic
def submit_draft(user) -> Submission:
    """Hand the user's draft to the walidata: written to a file, validated and checked like an upload."""
    require_entry_user(user)
    _serialize_writes_of(user)
    draft = current_draft(user)
    if draft is None or not draft.records.exists():
        raise EntryError(_("Your draft has no records yet. Enter at least one record before submitting."))
    services.records_to_file(draft)
    return procedure.submit(draft, actor=user)
