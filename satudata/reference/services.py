"""Every state change of code lists and crosswalks: importing editions and tables, reviewing pairs.

The command line, the walidata pages and tests call these functions; each records what it did
in the audit log. Reading and comparing happen in ``crosswalks``, ``changes`` and ``proposals``.
"""

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import DomainError, NotFound
from satudata.reference.changes import ChangeReport, build_report
from satudata.reference.crosswalks import edition_rows, stored_pairs
from satudata.reference.loaders import (
    BATCH_SIZE,
    CodeListImportError,
    EntryRow,
    read_code_list,
    store_edition,
)
from satudata.reference.models import CodeList, Crosswalk, CrosswalkPair, Edition
from satudata.reference.proposals import (
    AMBIGUOUS,
    ProposedPair,
    base_relation,
    classify,
    propose,
    same_name,
)

logger = logging.getLogger(__name__)

# Not yet a member of audit.models.Action, whose choices only label entries in the admin.
CROSSWALK_REVIEWED = "codelist.crosswalk_reviewed"


class CrosswalkError(DomainError):
    code = "codelist.crosswalk_invalid"


def get_edition(kind: str, name: str) -> Edition:
    """Return the stored edition ``name`` of code list ``kind``; raise ``NotFound`` naming the loaded ones."""
    edition = Edition.objects.filter(code_list__kind=kind, name=name).select_related("code_list").first()
    if edition is None:
        loaded = (
            ", ".join(
                Edition.objects.filter(code_list__kind=kind).order_by("name").values_list("name", flat=True)
            )
            or "-"
        )
        raise NotFound(
            _("Edition {edition} of code list {kind} is not loaded (loaded: {loaded})."),
            edition=name,
            kind=kind,
            loaded=loaded,
        )
    return edition


# -- importing an edition -------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """An edition read from a file, compared with the stored edition it would replace or precede."""

    kind: str
    edition_name: str
    rows: list[EntryRow]
    # True for an edition older than the current one, loaded so that records coded in it are understood.
    is_older: bool
    make_current: bool
    # The stored edition the file was compared with: the current one.
    compared_with: Edition | None
    # Pairs from the older of the two editions to the newer one.
    pairs: list[ProposedPair]
    report: ChangeReport | None


def plan_import(
    kind: str,
    path: Path,
    edition_name: str,
    *,
    older: bool = False,
    make_current: bool | None = None,
    allow_missing_parents: bool = False,
) -> ImportPlan:
    """Read an edition and compare it with the current edition of its code list, without storing anything.

    A newer edition is compared as the new side and by default becomes current. An ``older``
    edition is compared as the old side and is stored beside the current one, so the report
    always reads from old to new. Raises ``CodeListImportError`` for an unreadable file.
    """
    rows = read_code_list(path, allow_missing_parents=allow_missing_parents)
    becomes_current = (not older) if make_current is None else make_current
    current = Edition.objects.filter(code_list__kind=kind, is_current=True).first()
    if current is None or current.name == edition_name:
        return ImportPlan(kind, edition_name, rows, older, becomes_current, current, [], None)
    stored = edition_rows(current)
    old_rows, new_rows = (rows, stored) if older else (stored, rows)
    old_name, new_name = (edition_name, current.name) if older else (current.name, edition_name)
    pairs = propose(kind, old_rows, new_rows)
    report = build_report(kind, old_name, new_name, old_rows, new_rows, pairs)
    return ImportPlan(kind, edition_name, rows, older, becomes_current, current, pairs, report)


@transaction.atomic
def apply_import(plan: ImportPlan, *, source: str = "", user: Any = None) -> Edition:
    """Store the planned edition and, when it was compared with a complete edition, the proposed crosswalk.

    Replaces a stored edition of the same name, with the crosswalks that named it.
    """
    edition = store_edition(
        plan.kind, plan.edition_name, plan.rows, source=source, make_current=plan.make_current
    )
    record(
        Action.CODELIST_IMPORTED,
        actor=user,
        object_type="edition",
        object_id=edition.pk,
        data={
            "kind": plan.kind,
            "edition": edition.name,
            "entries": edition.entry_count,
            "changes": plan.report.counts if plan.report else {},
        },
    )
    compared = plan.compared_with
    if compared is not None and plan.pairs and compared.is_complete:
        compared.refresh_from_db()
        older, newer = (edition, compared) if plan.is_older else (compared, edition)
        store_crosswalk(
            older,
            newer,
            plan.pairs,
            is_official=False,
            user=user,
            source=str(_("Proposed from codes and names when edition {edition} was imported")).format(
                edition=edition.name
            ),
        )
    return edition


# -- storing crosswalks ---------------------------------------------------------------------------


@transaction.atomic
def store_crosswalk(
    older: Edition,
    newer: Edition,
    pairs: Iterable[ProposedPair],
    *,
    is_official: bool,
    source: str = "",
    user: Any = None,
) -> Crosswalk:
    """Store a crosswalk from ``older`` to ``newer``, replacing an earlier one between the same editions.

    Pairs the evidence confirmed are stored as confirmed; the rest wait for review.
    """
    Crosswalk.objects.filter(source_edition=older, target_edition=newer).delete()
    crosswalk = Crosswalk.objects.create(
        source_edition=older, target_edition=newer, source=source, is_official=is_official
    )
    CrosswalkPair.objects.bulk_create(
        (
            CrosswalkPair(
                crosswalk=crosswalk,
                source_code=p.source,
                target_code=p.target,
                level=p.level,
                relation=p.relation,
                score=p.score,
                status=CrosswalkPair.Status.CONFIRMED if p.confirmed else CrosswalkPair.Status.PROPOSED,
            )
            for p in pairs
        ),
        batch_size=BATCH_SIZE,
    )
    counts = {status: crosswalk.pairs.filter(status=status).count() for status in CrosswalkPair.Status.values}
    record(
        Action.CODELIST_IMPORTED,
        actor=user,
        object_type="crosswalk",
        object_id=crosswalk.pk,
        data={
            "kind": older.code_list.kind,
            "from": older.name,
            "to": newer.name,
            "official": is_official,
            "pairs": counts,
        },
    )
    logger.info(
        "Stored crosswalk id=%s from=%s to=%s official=%s pairs=%s",
        crosswalk.pk,
        older.pk,
        newer.pk,
        is_official,
        counts,
    )
    return crosswalk


def propose_crosswalk(older: Edition, newer: Edition, *, user: Any = None) -> Crosswalk:
    """Propose and store a crosswalk between two stored editions of the same code list."""
    if older.code_list_id != newer.code_list_id:
        raise CrosswalkError(
            _("Editions {older} and {newer} belong to different code lists."),
            older=str(older),
            newer=str(newer),
        )
    pairs = propose(older.code_list.kind, edition_rows(older), edition_rows(newer))
    return store_crosswalk(
        older, newer, pairs, is_official=False, user=user, source=str(_("Proposed from codes and names"))
    )


def _relations(
    kind: str, pairs: list[ProposedPair], old: dict[str, EntryRow], new: dict[str, EntryRow]
) -> list[ProposedPair]:
    """Relations of pairs from their codes, names and how many partners each code has."""
    for pair in pairs:
        old_row, new_row = old.get(pair.source), new.get(pair.target)
        names_match = bool(old_row and new_row and same_name(kind, pair.level, old_row.name, new_row.name))
        pair.relation = base_relation(pair.source, pair.target, names_match)
    return classify(pairs)


def read_crosswalk_csv(path: Path) -> list[tuple[str, str]]:
    """Read an official correspondence table: a CSV with ``source_code`` and ``target_code`` columns."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"source_code", "target_code"} - set(reader.fieldnames or [])
        if missing:
            raise CodeListImportError(
                _(
                    "{file}: missing columns {columns}; a correspondence table needs "
                    "source_code and target_code."
                ),
                file=path.name,
                columns=", ".join(sorted(missing)),
            )
        pairs: list[tuple[str, str]] = []
        for line, row in enumerate(reader, start=2):
            source, target = (row["source_code"] or "").strip(), (row["target_code"] or "").strip()
            if not source or not target:
                raise CodeListImportError(
                    _("{file}, line {line}: source_code and target_code are both required."),
                    file=path.name,
                    line=line,
                )
            pairs.append((source, target))
    return list(dict.fromkeys(pairs))


def import_crosswalk_csv(
    older: Edition, newer: Edition, path: Path, *, source: str = "", user: Any = None
) -> Crosswalk:
    """Store an official correspondence table between two editions; every pair is confirmed.

    Raises ``CrosswalkError`` naming the first codes that are not in their edition.
    """
    rows = read_crosswalk_csv(path)
    old = {row.code: row for row in edition_rows(older)}
    new = {row.code: row for row in edition_rows(newer)}
    unknown_old = [s for s, _t in rows if s not in old]
    unknown_new = [t for _s, t in rows if t not in new]
    if unknown_old or unknown_new:
        raise CrosswalkError(
            _(
                "{file}: {count} codes are not in their edition, for example {examples}. "
                "Check that the table goes from edition {older} to edition {newer}."
            ),
            file=path.name,
            count=len(unknown_old) + len(unknown_new),
            examples=", ".join((unknown_old + unknown_new)[:5]),
            older=older.name,
            newer=newer.name,
        )
    pairs = [ProposedPair(s, t, old[s].level, "", None, True) for s, t in rows]
    kind = older.code_list.kind
    return store_crosswalk(
        older,
        newer,
        _relations(kind, pairs, old, new),
        is_official=True,
        source=source or path.name,
        user=user,
    )


# -- reviewing proposed pairs ---------------------------------------------------------------------

CONFIRM = "confirm"
REJECT = "reject"


@transaction.atomic
def review_pair(
    pair: CrosswalkPair, decision: str, *, user: Any = None, source_ip: str | None = None
) -> list[int]:
    """Confirm or reject one pair of a crosswalk; return the ids of every pair whose status changed.

    Confirming one candidate of an ambiguous source rejects its other candidates, because the
    candidates are alternatives. The relations of the pairs around it are worked out again
    (a split that loses a part may become a renumbering). Only the walidata may call this; the
    caller checks that.
    """
    if decision not in (CONFIRM, REJECT):
        raise CrosswalkError(
            _("Unknown review decision {decision}; use confirm or reject."), decision=decision
        )
    now = timezone.now()
    changed = [pair.pk]
    pair.status = CrosswalkPair.Status.CONFIRMED if decision == CONFIRM else CrosswalkPair.Status.REJECTED
    pair.reviewed_by = user if getattr(user, "pk", None) else None
    pair.reviewed_at = now
    pair.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    if decision == CONFIRM and pair.relation == AMBIGUOUS:
        siblings = (
            pair.crosswalk.pairs.filter(source_code=pair.source_code, relation=AMBIGUOUS)
            .exclude(pk=pair.pk)
            .exclude(status=CrosswalkPair.Status.REJECTED)
        )
        changed += list(siblings.values_list("pk", flat=True))
        siblings.update(status=CrosswalkPair.Status.REJECTED, reviewed_by=pair.reviewed_by, reviewed_at=now)
    _reclassify_around(pair)
    pair.crosswalk.save(update_fields=["updated_at"])
    record(
        CROSSWALK_REVIEWED,
        actor=user,
        object_type="crosswalk_pair",
        object_id=pair.pk,
        source_ip=source_ip,
        data={
            "crosswalk": pair.crosswalk_id,
            "source": pair.source_code,
            "target": pair.target_code,
            "decision": decision,
            "changed": len(changed),
        },
    )
    return changed


def _reclassify_around(pair: CrosswalkPair) -> None:
    """Work out again the relations of the pairs that share a source or target code with ``pair``."""
    crosswalk = pair.crosswalk
    around = crosswalk.pairs.filter(Q(source_code=pair.source_code) | Q(target_code=pair.target_code))
    sources = set(around.values_list("source_code", flat=True))
    targets = set(around.values_list("target_code", flat=True))
    involved = list(
        crosswalk.pairs.filter(Q(source_code__in=sources) | Q(target_code__in=targets)).exclude(
            status=CrosswalkPair.Status.REJECTED
        )
    )

    old = {r.code: r for r in _rows(crosswalk.source_edition, sources)}
    new = {r.code: r for r in _rows(crosswalk.target_edition, targets | {p.target_code for p in involved})}
    proposed = [
        ProposedPair(
            p.source_code,
            p.target_code,
            p.level,
            p.relation,
            p.score,
            p.status == CrosswalkPair.Status.CONFIRMED,
        )
        for p in involved
    ]
    # Alternatives stay ambiguous while more than one of them is left to choose from.
    open_alternatives = {
        s for s in sources if sum(1 for p in proposed if p.source == s and p.relation == AMBIGUOUS) > 1
    }
    kind = crosswalk.source_edition.code_list.kind
    settled = [p for p in proposed if p.source not in open_alternatives]
    _relations(kind, settled, old, new)
    relations = {(p.source, p.target): p.relation for p in settled}

    for stored in involved:
        if stored.source_code not in sources or stored.target_code not in targets:
            # Its other partners were not read, and its relation cannot have changed.
            continue
        relation = relations.get((stored.source_code, stored.target_code))
        if relation and relation != stored.relation:
            stored.relation = relation
            stored.save(update_fields=["relation"])


def _rows(edition: Edition, codes: set[str]) -> list[EntryRow]:
    return [
        EntryRow(code=c, level=lv, name=n, parent_code=p)
        for c, lv, n, p in edition.entries.filter(code__in=list(codes)).values_list(
            "code", "level", "name", "parent_code"
        )
    ]


def compare_editions(older: Edition, newer: Edition) -> ChangeReport:
    """Build the change report between two stored editions.

    The stored crosswalk between them is used when there is one, else a proposal made on the spot.
    """
    crosswalk = Crosswalk.objects.filter(source_edition=older, target_edition=newer).first()
    old_rows, new_rows = edition_rows(older), edition_rows(newer)
    kind = older.code_list.kind
    pairs = stored_pairs(crosswalk) if crosswalk else propose(kind, old_rows, new_rows)
    return build_report(kind, older.name, newer.name, old_rows, new_rows, pairs)


def code_list_kinds() -> list[str]:
    return list(CodeList.objects.values_list("kind", flat=True))
