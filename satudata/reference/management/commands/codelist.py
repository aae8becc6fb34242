from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.commands import SatudataCommand
from satudata.reference import services
from satudata.reference.changes import CHANGE_LABELS, CHANGE_TYPES, REMOVED, ChangeReport
from satudata.reference.counting import CODE_COLUMNS, count_businesses
from satudata.reference.loaders import import_bps_bridge
from satudata.reference.models import CrosswalkPair, Edition

YEAR_DIGITS = 4


def edition_from_path(path: Path) -> str | None:
    """Return the first four-digit year in a file or folder name (kbli2025… → 2025) as the edition name."""
    digits = ""
    for character in path.stem:
        digits = digits + character if character.isdigit() else ""
        if len(digits) == YEAR_DIGITS:
            return digits
    return None


class Command(SatudataCommand):
    help = (
        "List, import and compare code-list editions, propose, import and review crosswalks, and count the "
        "registry by edition."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List the loaded code-list editions.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")

        imp = actions.add_parser(
            "import",
            help="Import an edition (code,level,title|name,parent CSV, or a folder of BPS KBLI JSON "
            "files), after printing what changes against the current edition.",
        )
        imp.add_argument("kind", help="Code list kind: kbli or region.")
        imp.add_argument("file", type=Path, help="The CSV file, or the folder or .json file of the BPS JSON.")
        imp.add_argument("--edition", help="Edition name, such as 2025 (default: the year in the file name).")
        imp.add_argument("--source", default="", help="Decree or publication the list comes from.")
        placement = imp.add_mutually_exclusive_group()
        placement.add_argument(
            "--keep-current",
            action="store_true",
            help="Store an older edition beside the current one without replacing it.",
        )
        placement.add_argument(
            "--not-current",
            action="store_true",
            help="Store a newer edition without making it current yet: files are still "
            "checked against the current edition.",
        )
        imp.add_argument(
            "--allow-missing-parents",
            action="store_true",
            help="Keep codes whose parent is not in the file (variant lists such as the KBLI "
            "served by OSS, which has no categories).",
        )
        imp.add_argument("--dry-run", action="store_true", help="Print the change report and store nothing.")
        imp.add_argument(
            "--force",
            action="store_true",
            help="Apply an edition that would remove more than half of the current edition's codes.",
        )
        imp.add_argument(
            "--examples", type=int, default=5, help="Examples printed per change type (default 5)."
        )
        imp.add_argument("--json", action="store_true", help="Print the change report as JSON.")

        compare = actions.add_parser("compare", help="Print the change report between two stored editions.")
        compare.add_argument("kind", help="Code list kind.")
        compare.add_argument("older", help="The older edition.")
        compare.add_argument("newer", help="The newer edition.")
        compare.add_argument(
            "--examples", type=int, default=5, help="Examples printed per change type (default 5)."
        )
        compare.add_argument("--json", action="store_true", help="Print JSON.")

        crosswalk = actions.add_parser("crosswalk", help="Propose, import, list and review crosswalk pairs.")
        steps = crosswalk.add_subparsers(dest="crosswalk_action", required=True)
        propose = steps.add_parser(
            "propose",
            help="Propose a crosswalk between two stored editions from codes "
            "and names, replacing the stored one.",
        )
        import_table = steps.add_parser(
            "import", help="Import an official correspondence table (CSV with source_code,target_code)."
        )
        pairs = steps.add_parser("pairs", help="List the pairs of a crosswalk.")
        review = steps.add_parser("review", help="Confirm or reject one pair.")
        for sub in (propose, import_table, pairs, review):
            sub.add_argument("kind", help="Code list kind.")
            sub.add_argument("older", help="The older edition (source of the crosswalk).")
            sub.add_argument("newer", help="The newer edition (target of the crosswalk).")
            self.add_language(sub)
        import_table.add_argument("file", type=Path, help="CSV with source_code and target_code columns.")
        import_table.add_argument("--source", default="", help="Publication the table comes from.")
        pairs.add_argument(
            "--status", choices=CrosswalkPair.Status.values, help="Only pairs with this status."
        )
        pairs.add_argument(
            "--relation", choices=CrosswalkPair.Relation.values, help="Only pairs of this relation."
        )
        pairs.add_argument("--level", type=int, help="Only pairs whose source code is at this level.")
        pairs.add_argument("--limit", type=int, default=50, help="Pairs printed at most (default 50).")
        pairs.add_argument("--json", action="store_true", help="Print JSON.")
        review.add_argument("source_code", help="Code of the older edition.")
        review.add_argument("target_code", help="Code of the newer edition.")
        decision = review.add_mutually_exclusive_group(required=True)
        decision.add_argument("--confirm", action="store_true", help="Confirm the pair.")
        decision.add_argument("--reject", action="store_true", help="Reject the pair.")

        count = actions.add_parser(
            "count", help="Count registry businesses by the codes of any edition the crosswalks reach."
        )
        count.add_argument("kind", choices=sorted(CODE_COLUMNS), help="Code list kind.")
        count.add_argument("--edition", help="Edition to count in (default: the current one).")
        count.add_argument(
            "--level",
            type=int,
            default=1,
            help="Level to count by: 1 province or KBLI category, 2 regency or division, … (default 1).",
        )
        count.add_argument("--json", action="store_true", help="Print JSON.")

        bridge = actions.add_parser("import-bridge", help="Import the BPS ↔ Kemendagri bridge folder.")
        bridge.add_argument(
            "folder", type=Path, help="Folder with provinsi.csv, kabkota.csv and kecamatan.csv."
        )
        bridge.add_argument("--edition", default="2020", help="Year of the codes (default 2020).")
        for sub in (listing, imp, compare, crosswalk, count, bridge):
            self.add_language(sub)

    def handle(self, *args, **options):
        handler = {
            "list": self._list,
            "import": self._import,
            "compare": self._compare,
            "crosswalk": self._crosswalk,
            "count": self._count,
            "import-bridge": self._bridge,
        }[options["action"]]
        handler(options)

    # -- editions ----------------------------------------------------------------------------------

    def _list(self, options):
        editions = Edition.objects.select_related("code_list").order_by("code_list__kind", "name")
        rows = [
            {
                "kind": e.code_list.kind,
                "edition": e.name,
                "current": e.is_current,
                "complete": e.is_complete,
                "entries": e.entry_count,
                "source": e.source,
            }
            for e in editions
        ]
        if options["json"]:
            self.print_json(rows)
            return
        for r in rows:
            flag = "*" if r["current"] else " "
            self.stdout.write(
                f"{flag} {r['kind']:<16} {r['edition']:<16} {r['entries']:>8}  {r['source'][:60]}"
            )

    def _import(self, options):
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(_("File not found: {path}").format(path=path))
        edition = options["edition"] or edition_from_path(path)
        if not edition:
            raise CommandError(
                _("No year in the name {name}; give the edition name with --edition.").format(name=path.name)
            )
        plan = services.plan_import(
            options["kind"],
            path,
            edition,
            older=options["keep_current"],
            make_current=False if options["not_current"] else None,
            allow_missing_parents=options["allow_missing_parents"],
        )
        if options["json"]:
            self.print_json(
                {
                    "kind": plan.kind,
                    "edition": plan.edition_name,
                    "entries": len(plan.rows),
                    "applied": not options["dry_run"],
                    "report": plan.report.to_json(options["examples"]) if plan.report else None,
                }
            )
        elif plan.report is not None:
            self._print_report(plan.report, options["examples"])
        else:
            self.stdout.write(
                _("No current {kind} edition to compare with: {count} codes read.").format(
                    kind=plan.kind, count=len(plan.rows)
                )
            )
        if options["dry_run"]:
            if not options["json"]:
                self.stdout.write(_("Dry run: nothing was stored."))
            return
        self._reject_shrinking(plan, options["force"])
        stored = services.apply_import(plan, source=options["source"] or path.name)
        if not options["json"]:
            self.stdout.write(
                _("Imported {kind} edition {edition}: {count} codes.").format(
                    kind=plan.kind, edition=stored.name, count=stored.entry_count
                )
            )
            if plan.report is not None and plan.report.unconfirmed_pairs:
                self.stdout.write(
                    _(
                        "{count} proposed crosswalk pairs await review: satudata codelist crosswalk "
                        "pairs {kind} {older} {newer} --status proposed"
                    ).format(
                        count=plan.report.unconfirmed_pairs,
                        kind=plan.kind,
                        older=plan.report.old_edition,
                        newer=plan.report.new_edition,
                    )
                )

    @staticmethod
    def _reject_shrinking(plan, force: bool) -> None:
        """Stop a truncated or wrong file from replacing the current list that every file is checked against."""
        report = plan.report
        if force or report is None or not plan.make_current or plan.is_older or not report.old_count:
            return
        removed = report.counts[REMOVED]
        if removed * 2 > report.old_count:
            raise CommandError(
                _(
                    "The file would remove {removed} of the {total} codes of the current {kind} edition {old}, "
                    "so it was not imported. Check that the file is complete; to import it anyway, "
                    "repeat the command with --force."
                ).format(removed=removed, total=report.old_count, kind=plan.kind, old=report.old_edition)
            )

    def _compare(self, options):
        older = services.get_edition(options["kind"], options["older"])
        newer = services.get_edition(options["kind"], options["newer"])
        report = services.compare_editions(older, newer)
        if options["json"]:
            self.print_json(report.to_json(options["examples"]))
            return
        self._print_report(report, options["examples"])

    def _print_report(self, report: ChangeReport, examples: int) -> None:
        self.stdout.write(
            _(
                "Changes from {kind} edition {older} ({old_count} codes) to {newer} ({new_count} codes):"
            ).format(
                kind=report.kind,
                older=report.old_edition,
                newer=report.new_edition,
                old_count=report.old_count,
                new_count=report.new_count,
            )
        )
        by_level = report.counts_by_level()
        levels = sorted(by_level)
        columns = "".join(f"{_('level')} {level}".rjust(12) for level in levels)
        self.stdout.write(f"  {_('change'):<22}{columns}{_('total'):>10}")
        for change in CHANGE_TYPES:
            cells = "".join(f"{by_level[level][change]:>12}" for level in levels)
            self.stdout.write(f"  {str(CHANGE_LABELS[change]):<22}{cells}{report.counts[change]:>10}")
        self.stdout.write(_("Pairs awaiting review: {count}").format(count=report.unconfirmed_pairs))
        for change, items in report.examples(examples).items():
            if not items:
                continue
            self.stdout.write(f"{CHANGE_LABELS[change]}:")
            for item in items:
                targets = ", ".join(
                    f"{code} {name}" + ("" if ok else " (?)") for code, name, ok in item.targets
                )
                arrow = f" → {targets}" if targets else ""
                self.stdout.write(f"  {item.code} {item.name}{arrow}")

    # -- crosswalks --------------------------------------------------------------------------------

    def _crosswalk(self, options):
        older = services.get_edition(options["kind"], options["older"])
        newer = services.get_edition(options["kind"], options["newer"])
        step = options["crosswalk_action"]
        if step == "propose":
            crosswalk = services.propose_crosswalk(older, newer)
            self._print_status(crosswalk)
            return
        if step == "import":
            if not options["file"].is_file():
                raise CommandError(_("File not found: {path}").format(path=options["file"]))
            crosswalk = services.import_crosswalk_csv(older, newer, options["file"], source=options["source"])
            self._print_status(crosswalk)
            return

        crosswalk = older.crosswalks_from.filter(target_edition=newer).first()
        if crosswalk is None:
            raise CommandError(
                _("No crosswalk from {older} to {newer}; propose or import one first.").format(
                    older=older.name, newer=newer.name
                )
            )
        if step == "review":
            pair = crosswalk.pairs.filter(
                source_code=options["source_code"], target_code=options["target_code"]
            ).first()
            if pair is None:
                raise CommandError(
                    _("The crosswalk has no pair {source} → {target}.").format(
                        source=options["source_code"], target=options["target_code"]
                    )
                )
            changed = services.review_pair(pair, services.CONFIRM if options["confirm"] else services.REJECT)
            self.stdout.write(_("{count} pairs changed status.").format(count=len(changed)))
            return

        pairs = crosswalk.pairs.all()
        for name in ("status", "relation", "level"):
            if options[name] is not None:
                pairs = pairs.filter(**{name: options[name]})
        rows = list(
            pairs.order_by("-level", "source_code", "target_code")[: options["limit"]].values(
                "source_code", "target_code", "level", "relation", "score", "status"
            )
        )
        if options["json"]:
            self.print_json({"total": pairs.count(), "pairs": rows})
            return
        for r in rows:
            score = f"{r['score']:.0f}" if r["score"] is not None else "-"
            self.stdout.write(
                f"{r['source_code']:<16} {r['target_code']:<16} {r['level']:>2} {r['relation']:<11} "
                f"{score:>4} {r['status']}"
            )
        self.stdout.write(_("{shown} of {total} pairs shown.").format(shown=len(rows), total=pairs.count()))

    def _print_status(self, crosswalk) -> None:
        confirmed = crosswalk.pairs.filter(status=CrosswalkPair.Status.CONFIRMED).count()
        proposed = crosswalk.pairs.filter(status=CrosswalkPair.Status.PROPOSED).count()
        self.stdout.write(
            _(
                "Stored crosswalk {older} → {newer}: {confirmed} confirmed pairs, {proposed} awaiting review."
            ).format(
                older=crosswalk.source_edition.name,
                newer=crosswalk.target_edition.name,
                confirmed=confirmed,
                proposed=proposed,
            )
        )

    # -- counting ----------------------------------------------------------------------------------

    def _count(self, options):
        from satudata.registry.models import Business

        kind = options["kind"]
        if options["edition"]:
            edition = services.get_edition(kind, options["edition"])
        else:
            edition = Edition.objects.filter(code_list__kind=kind, is_current=True).first()
            if edition is None:
                raise CommandError(_("No {kind} edition is loaded.").format(kind=kind))
        counts = count_businesses(Business.objects.all(), kind, edition, options["level"])
        if options["json"]:
            self.print_json(counts.to_json())
            return
        for row in counts.rows:
            self.stdout.write(f"{row.code:<14} {row.name[:50]:<50} {row.count:>10}")
        self.stdout.write(f"{_('Ambiguous'):<65} {counts.ambiguous:>10}")
        self.stdout.write(f"{_('Not mapped'):<65} {counts.unmapped:>10}")
        self.stdout.write(f"{_('Total'):<65} {counts.total:>10}")

    # -- BPS bridge --------------------------------------------------------------------------------

    def _bridge(self, options):
        crosswalk = import_bps_bridge(options["folder"], options["edition"])
        record(
            Action.CODELIST_IMPORTED,
            object_type="crosswalk",
            object_id=crosswalk.pk,
            data={"kind": "bps_region", "pairs": crosswalk.pairs.count()},
        )
        self.stdout.write(
            _("Imported the BPS–Kemendagri bridge: {count} code pairs.").format(count=crosswalk.pairs.count())
        )
