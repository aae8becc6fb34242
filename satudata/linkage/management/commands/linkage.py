from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.linkage import services
from satudata.linkage.evaluation import evaluate


class Command(SatudataCommand):
    help = "Record linkage: evaluate on labelled synthetic data, or train the model on the registry."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser(
            "evaluate",
            help="Generate labelled records, link them and the exact-matching baseline, print the scores of both.",
        )
        check.add_argument(
            "--records", type=int, default=5000, help="Incoming records to generate (default 5000)."
        )
        check.add_argument("--seed", type=int, default=1, help="Seed of the generator (default 1).")
        check.add_argument("--json", action="store_true", help="Print JSON.")
        self.add_language(check)
        fit = actions.add_parser("train", help="Train a linkage model on the registry and make it active.")
        fit.add_argument("--seed", type=int, default=1, help="Seed of the random sampling (default 1).")
        fit.add_argument(
            "--sample",
            type=int,
            default=200_000,
            help="Businesses and master-data versions to sample (default 200000).",
        )
        fit.add_argument("--json", action="store_true", help="Print JSON.")
        self.add_language(fit)

    def handle(self, *args, **options):
        if options["action"] == "evaluate":
            self._evaluate(options)
        else:
            model = services.train_registry_model(seed=options["seed"], sample=options["sample"])
            if options["json"]:
                self.print_json({"version": model.version, "sha256": model.sha256, "summary": model.summary})
            else:
                self.stdout.write(
                    _("Trained and activated linkage model {version}.").format(version=model.version)
                )

    def _evaluate(self, options) -> None:
        report = evaluate(options["records"], options["seed"])
        if options["json"]:
            self.print_json(report.to_json())
            return
        self.stdout.write(
            _("{records} incoming records, registry of {registry}, seed {seed}, model {version}.").format(
                records=report.records,
                registry=report.registry,
                seed=report.seed,
                version=report.model_version,
            )
        )
        header = f"{'':<22} {_('precision'):>10} {_('recall'):>10} {'F1':>10} {_('review rate'):>12}"
        self.stdout.write(header)
        for label, scores in ((_("linkage"), report.linkage), (_("exact baseline"), report.baseline)):
            self.stdout.write(
                f"{label:<22} {scores.precision:>10.4f} {scores.recall:>10.4f} {scores.f1:>10.4f} "
                f"{scores.review_rate:>12.4f}"
            )
