"""Time compiling a validated SIDT export into an empty registry.

    .venv/bin/python bench/compile.py                    # 1,000,000 rows on a fresh SQLite installation
    .venv/bin/python bench/compile.py --rows 200000 --profile bench/out/compile.prof
    .venv/bin/python bench/compile.py --rows 200000 --linkage-model     # rows the exact rules leave are linked
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/satudata_bench .venv/bin/python bench/compile.py --reset

The generated CSV is cached under bench/out/. Without DATABASE_URL every run gets a new SQLite
installation under bench/out/; with it, the registry tables of that database must be empty,
or ``--reset`` empties them first. Receiving, inspecting and validating are timed separately
and are not part of the compile figure.
"""

import argparse
import cProfile
import os
import shutil
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="Rows in the generated file (default 1,000,000).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the synthetic data (default 1).")
    parser.add_argument("--profile", type=Path,
                        help="Write cProfile statistics of the compile step to this file.")
    parser.add_argument("--linkage-model", action="store_true",
                        help="Store and activate the test linkage model first, so rows the exact rules "
                             "leave are linked (satudata.linkage.testing).")
    parser.add_argument("--reset", action="store_true",
                        help="On PostgreSQL, delete every business, owner and record of the registry first.")
    return parser.parse_args()


def prepare_environment(using_postgres: bool) -> None:
    """Point SATUDATA_HOME at a new folder for SQLite; settings read it when Django starts."""
    if using_postgres:
        os.environ.setdefault("SATUDATA_HOME", str(OUT / "home-postgres"))
        return
    home = OUT / "home-sqlite"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["SATUDATA_HOME"] = str(home)


def cached_csv(rows: int, seed: int) -> Path:
    from satudata.synthetic.sidt import write_sidt_csv

    path = OUT / f"sidt-{rows}-seed{seed}.csv"
    if not path.exists():
        started = time.monotonic()
        partial = path.with_suffix(".partial")
        write_sidt_csv(partial, rows, seed=seed)
        partial.rename(path)
        print(f"generated {path.name} in {time.monotonic() - started:.1f} s")
    return path


def accept_validated(submission) -> None:
    """Take a validated draft through the procedure to "accepted" by the demo walidata account.

    ``compile_submission`` compiles only accepted submissions. These steps are not timed.
    """
    from django.contrib.auth import get_user_model

    from satudata.submissions.models import Submission
    from satudata.submissions.workflow import build_checklist, confirm_checklist, move

    State = Submission.State
    walidata = get_user_model().objects.get(username="walidata")
    move(submission, State.SUBMITTED)
    move(submission, State.VALIDATING)
    submission.checklist = build_checklist(submission)
    submission.save(update_fields=["checklist"])
    move(submission, State.CHECKED)
    submission.checklist = confirm_checklist(submission, {})
    submission.save(update_fields=["checklist"])
    move(submission, State.ACCEPTED, actor=walidata)


def registry_counts() -> dict[str, int]:
    from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord

    models = (Business, BusinessVersion, Owner, TransactionRecord)
    return {model.__name__: model.objects.count() for model in models}


def empty_registry(reset: bool) -> None:
    from django.db import connection, transaction

    from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord

    counts = registry_counts()
    if not any(counts.values()):
        return
    if not reset:
        sys.exit(f"The registry is not empty ({counts}); run with --reset to delete its rows first.")
    tables = [m._meta.db_table for m in (TransactionRecord, BusinessVersion, Business, Owner)]
    with transaction.atomic(), connection.cursor() as cursor:
        # CASCADE also empties the tables that point at businesses, such as the linkage merges.
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    print(f"deleted {counts}")


def main() -> None:
    args = parse_args()
    using_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    OUT.mkdir(exist_ok=True)
    prepare_environment(using_postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.db import connection

    from satudata.portal.setup import initialize
    from satudata.producers.models import Producer
    from satudata.submissions import services
    from satudata.submissions.models import Submission

    path = cached_csv(args.rows, args.seed)
    initialize(demo=True, verbosity=0)
    if using_postgres:
        empty_registry(args.reset)
    producer = Producer.objects.get(code="kementerian-umkm")
    if args.linkage_model:
        from satudata.linkage.testing import install_synthetic_model

        install_synthetic_model()

    started = time.monotonic()
    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer, source=source, original_name=path.name,
                                           channel=Submission.Channel.CLI, reference_year=2025)
    inspection = services.inspect(submission)
    services.validate(submission, inspection.mapping)
    print(f"validated {submission.rows_accepted:,} of {submission.rows_read:,} rows "
          f"in {time.monotonic() - started:.1f} s")

    accept_validated(submission)
    profiler = cProfile.Profile() if args.profile else None
    started, cpu_started = time.monotonic(), time.process_time()
    if profiler:
        profiler.enable()
    services.compile_submission(submission)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    seconds = time.monotonic() - started
    cpu_seconds = time.process_time() - cpu_started

    counts = registry_counts()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"registry after compile: {counts}")
    print(f"held for clerical review: {submission.summary.get('held_for_review', 0):,}")
    print(f"compiled {submission.rows_accepted:,} rows in {seconds:.1f} s "
          f"= {submission.rows_accepted / seconds:,.0f} rows/s")
    # Other programs on the machine stretch the wall-clock time; CPU time of this process less so.
    print(f"CPU time of this process: {cpu_seconds:.1f} s; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
