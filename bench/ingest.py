"""Benchmark of the file-to-registry pipeline on a synthetic SIDT-UMKM export.

Run with ``.venv/bin/python bench/ingest.py [--rows 1000000] [--keep]``. One run prints:

a. the generated CSV (cached under bench/out/ across runs);
b. the time ``pl.read_csv(path, infer_schema=False)`` takes, the floor for reading the file (best of 3);
c. receive, inspect and validate through ``satudata.submissions.services``, in rows/s (best of 2);
d. the peak memory (max RSS) of the process that did (c);
e. ``frictionless`` validating a slice of the file against the standard's Table Schema (best of 2);
f. compiling the valid rows into an empty SQLite registry.

Each step that is measured for time or memory runs in a child process of this script, so the
parent's frames do not count. The child reports its own peak RSS (VmHWM).
Figures are printed as a table and written to bench/out/ingest.json. docs/benchmarks.md
explains each figure.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PRODUCER = "kementerian-umkm"
REFERENCE_YEAR = 2025
PARSE_REPEATS = 3
# (c) and (e) are best of two like (b) is best of three: on a virtual machine the first run pays
# for touching memory the guest has not used before, which writing a 447 MB file does at once.
VALIDATE_REPEATS = 2
FRICTIONLESS_REPEATS = 2

# Targets printed next to the figures.
TARGET_PARSE_RATIO = 2.0
TARGET_FRICTIONLESS_RATIO = 10.0
TARGET_PEAK_BYTES = 1.5 * 1024**3
TARGET_COMPILE_SECONDS = 60.0

# Spellings of the SIDT export that a Table Schema boolean does not accept.
SIDT_BOOLEANS = {"ya": "true", "tidak": "false"}


# -- child processes -----------------------------------------------------------------------------

def _setup_django(home: Path) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "satudata.settings"
    import django

    django.setup()


def child_validate(home: Path, csv_path: Path) -> dict:
    """Receive, inspect and validate one file as the CLI does; return the timings."""
    _setup_django(home)
    from satudata.producers.models import Producer
    from satudata.submissions import services
    from satudata.submissions.models import Submission

    producer = Producer.objects.get(code=PRODUCER)
    started = time.perf_counter()
    cpu_started = time.process_time()
    with open(csv_path, "rb") as source:
        submission = services.receive_file(producer=producer, source=source, original_name=csv_path.name,
                                           channel=Submission.Channel.CLI, reference_year=REFERENCE_YEAR)
    received = time.perf_counter()
    inspection = services.inspect(submission)
    inspected = time.perf_counter()
    cpu_inspected = time.process_time()
    services.validate(submission, inspection.mapping)
    validated = time.perf_counter()
    cpu_validated = time.process_time()
    return {
        "submission": submission.pk,
        "receive_seconds": received - started,
        "inspect_seconds": inspected - received,
        "validate_seconds": validated - inspected,
        # CPU seconds of all threads of the process, which vary less than wall time on a busy machine.
        "ingest_cpu_seconds": cpu_validated - cpu_started,
        "validate_cpu_seconds": cpu_validated - cpu_inspected,
        "rows_read": submission.rows_read,
        "rows_accepted": submission.rows_accepted,
        "error_count": submission.summary.get("error_count", 0),
        "errors_by_field": submission.summary.get("errors_by_field", {}),
        "mapping": {c.header: c.variable for c in inspection.mapping.choices if c.variable},
    }


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


def child_compile(home: Path, submission_id: int) -> dict:
    _setup_django(home)
    from satudata.registry.models import Business
    from satudata.submissions import services
    from satudata.submissions.models import Submission

    submission = Submission.objects.get(pk=submission_id)
    # The notifications of each step go to the console e-mail backend, and stdout carries the JSON result.
    with contextlib.redirect_stdout(sys.stderr):
        accept_validated(submission)
    businesses_before = Business.objects.count()
    started = time.perf_counter()
    services.compile_submission(submission)
    seconds = time.perf_counter() - started
    return {
        "compile_seconds": seconds,
        "rows": submission.rows_accepted,
        "businesses_before": businesses_before,
        "businesses_created": submission.businesses_created,
        "businesses_updated": submission.businesses_updated,
    }


def child_frictionless(slice_path: Path, schema_path: Path) -> dict:
    from frictionless import Resource, Schema

    schema = Schema.from_descriptor(json.loads(schema_path.read_text()))
    started = time.perf_counter()
    resource = Resource(path=slice_path.name, basepath=str(slice_path.parent), schema=schema)
    # A high error limit, so frictionless reads every row even if some fail.
    report = resource.validate(limit_errors=10**9)
    seconds = time.perf_counter() - started
    task = report.tasks[0]
    errors = [f"{e.type}: {e.note}" for e in task.errors[:5]]
    return {"seconds": seconds, "rows": task.stats["rows"], "valid": report.valid,
            "error_count": task.stats["errors"], "first_errors": errors}


def peak_rss_bytes() -> int:
    """Return the peak RSS of this process since it started its program (VmHWM).

    The ``ru_maxrss`` that ``os.wait4`` returns for a child also counts the parent's RSS at the
    time of the spawn (observed on Linux 6.18: both children reported the parent's 1.4 GB), so
    each child reads its own high-water mark instead.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def run_child(args: list[str]) -> tuple[dict, int]:
    """Run this script as a child with ``args``; return its JSON output and its peak RSS in bytes."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    completed = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, env=env,
                               check=False)
    if completed.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed with exit code {completed.returncode}")
    output = json.loads(completed.stdout)
    return output, output.pop("peak_rss_bytes")


# -- steps in the parent -------------------------------------------------------------------------

def ensure_csv(rows: int, seed: int) -> tuple[Path, float | None]:
    """Return the cached synthetic export, generating it when absent, and the seconds that took."""
    from satudata.synthetic.sidt import write_sidt_csv

    path = OUT / f"sidt-{rows}-seed{seed}.csv"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    write_sidt_csv(partial, rows, seed=seed)
    seconds = time.perf_counter() - started
    partial.rename(path)
    return path, seconds


def time_bare_parse(path: Path) -> list[float]:
    import polars as pl

    seconds, cpu_seconds = [], []
    for _ in range(PARSE_REPEATS):
        started, cpu_started = time.perf_counter(), time.process_time()
        frame = pl.read_csv(path, infer_schema=False)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
        del frame
    return seconds, cpu_seconds


def prepare_home(home: Path) -> None:
    """Create an installation with the regions, the standard and the demo producers, and no businesses."""
    shutil.rmtree(home, ignore_errors=True)
    _setup_django(home)
    from satudata.portal.setup import initialize

    initialize(demo=True, verbosity=0)
    from django.db import connections

    connections.close_all()


def frictionless_inputs(csv_path: Path, rows: int, mapping: dict[str, str]) -> tuple[Path, Path, list[str]]:
    """Write the first ``rows`` rows with the standard's variable codes as headers, and the schema.

    The slice keeps the columns that are fields of the Table Schema. Code-list columns get
    the codes that the file's labels stand for ("LAKI-LAKI" → "L"), and booleans the Table
    Schema spelling, because a Table Schema enum holds codes only and the SIDT export writes
    labels. Every constraint of the exported schema is kept.
    """
    import polars as pl

    from satudata.reference.lookups import code_list_lookup, normalize_alias
    from satudata.standards.loading import current_version
    from satudata.standards.schema import table_schema

    version = current_version()
    schema = table_schema(version, include_region_names=True)
    frame = pl.read_csv(csv_path, n_rows=rows, infer_schema=False).rename(mapping, strict=False)
    fields = [f for f in schema["fields"] if f["name"] in frame.columns]
    schema["fields"] = fields
    code_lists = {v.code: v.code_list for v in version.variables.all() if v.datatype == "code"}
    recoded = []
    for field in fields:
        name = field["name"]
        if "enum" in field.get("constraints", {}) and code_lists.get(name):
            aliases = code_list_lookup(code_lists[name]).aliases
            frame = frame.with_columns(pl.col(name).map_elements(
                lambda value, aliases=aliases: aliases.get(normalize_alias(value), value),
                return_dtype=pl.String,
            ))
            recoded.append(name)
        elif field["type"] == "boolean":
            frame = frame.with_columns(pl.col(name).str.to_lowercase().replace(SIDT_BOOLEANS))
            recoded.append(name)
    slice_path = OUT / f"frictionless-slice-{rows}.csv"
    schema_path = OUT / "frictionless-schema.json"
    frame.select([f["name"] for f in fields]).write_csv(slice_path)
    schema_path.write_text(json.dumps(schema, ensure_ascii=False, indent=1))
    return slice_path, schema_path, recoded


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import polars as pl

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu_count": os.cpu_count(), "cpu_model": model, "platform": platform.platform(),
        "machine": platform.machine(), "python": platform.python_version(), "polars": pl.__version__,
        "memory_gib": round(memory / 1024**3, 1), "polars_threads": pl.thread_pool_size(),
    }


# -- report ----------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_report(result: dict) -> None:
    m = result["machine"]
    f = result["figures"]
    print()
    print(f"Machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['platform']}")
    print(f"Python {m['python']}, Polars {m['polars']} with {m['polars_threads']} threads")
    load = result["load_average"]
    print(f"Load average (1 min) before and after the run: {load['before']:.1f}, {load['after']:.1f}")
    file = result["file"]
    print(f"File: {file['path']} ({file['rows']:,} rows, {file['bytes'] / 1e6:,.0f} MB)")
    print()
    rows = [
        ("b", f"bare parse, pl.read_csv (best of {PARSE_REPEATS})", f"{f['parse_seconds']:.2f} s",
         f"{f['parse_rows_per_second']:,.0f} rows/s", ""),
        ("c", f"receive + inspect + validate (best of {VALIDATE_REPEATS})", f"{f['ingest_seconds']:.2f} s",
         f"{f['ingest_rows_per_second']:,.0f} rows/s",
         f"{f['ingest_to_parse_ratio']:.2f}x parse (target <= {TARGET_PARSE_RATIO:.0f}x: "
         f"{verdict(f['ingest_to_parse_ratio'] <= TARGET_PARSE_RATIO)})"),
        ("", "  receive (copy + SHA-256)", f"{f['receive_seconds']:.2f} s", "", ""),
        ("", "  inspect (encoding, header, mapping)", f"{f['inspect_seconds']:.2f} s", "", ""),
        ("", "  validate", f"{f['validate_seconds']:.2f} s",
         f"{f['validate_rows_per_second']:,.0f} rows/s", f"{f['validate_to_parse_ratio']:.2f}x parse"),
        ("", "  CPU time of (b), of validate", f"{f['parse_cpu_seconds']:.2f} s",
         f"{f['validate_cpu_seconds']:.2f} s", f"{f['validate_to_parse_cpu_ratio']:.2f}x parse CPU"),
        ("d", "peak RSS of the process doing (c)", f"{f['ingest_peak_rss_bytes'] / 1024**3:.2f} GiB", "",
         f"target < {TARGET_PEAK_BYTES / 1024**3:.1f} GiB: "
         f"{verdict(f['ingest_peak_rss_bytes'] < TARGET_PEAK_BYTES)}"),
        ("e", f"frictionless validate, {f['frictionless_rows']:,} rows (best of {FRICTIONLESS_REPEATS})", f"{f['frictionless_seconds']:.2f} s",
         f"{f['frictionless_rows_per_second']:,.0f} rows/s",
         f"ours is {f['ours_to_frictionless_ratio']:.1f}x faster "
         f"(target >= {TARGET_FRICTIONLESS_RATIO:.0f}x: "
         f"{verdict(f['ours_to_frictionless_ratio'] >= TARGET_FRICTIONLESS_RATIO)})"),
        ("f", "compile into an empty SQLite registry", f"{f['compile_seconds']:.2f} s",
         f"{f['compile_rows_per_second']:,.0f} rows/s",
         f"target < {TARGET_COMPILE_SECONDS:.0f} s: "
         f"{verdict(f['compile_seconds'] < TARGET_COMPILE_SECONDS)}"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip())
    print()
    print("Every run, in seconds: (b) " + ", ".join(f"{x:.2f}" for x in f["parse_seconds_runs"])
          + "; (c) " + ", ".join(f"{x:.2f}" for x in f["ingest_seconds_runs"])
          + "; (e) " + ", ".join(f"{x:.2f}" for x in f["frictionless_seconds_runs"]))
    validation = result["validation"]
    print(f"Validation: {validation['rows_read']:,} rows read, {validation['rows_accepted']:,} accepted, "
          f"{validation['error_count']:,} errors")
    friction = result["frictionless"]
    print(f"frictionless: valid={friction['valid']}, {friction['error_count']:,} errors; "
          f"recoded labels to codes in {', '.join(friction['recoded']) or 'no column'}")
    for line in friction["first_errors"]:
        print(f"  {line}")
    print(f"Compile: {result['compile']['businesses_created']:,} businesses created, "
          f"peak RSS {f['compile_peak_rss_bytes'] / 1024**3:.2f} GiB")


def require_test_dependencies() -> None:
    """Exit with one line when frictionless, a test dependency that step (e) runs, is not installed."""
    try:
        import frictionless  # noqa: F401
    except ImportError:
        raise SystemExit("bench/ingest.py needs the test dependencies (frictionless is missing): "
                         "run 'make bench', or 'scripts/install.sh test' first.") from None


# -- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="rows of the synthetic export (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic export (default 1)")
    parser.add_argument("--frictionless-rows", type=int, default=100_000,
                        help="rows of the slice that frictionless validates (default 100,000)")
    parser.add_argument("--keep", action="store_true",
                        help="keep bench/out/home (database and submission files) after the run")
    parser.add_argument("--child", choices=["validate", "compile", "frictionless"], help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--schema", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--submission", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    children = {
        "validate": lambda: child_validate(args.home, args.csv),
        "compile": lambda: child_compile(args.home, args.submission),
        "frictionless": lambda: child_frictionless(args.csv, args.schema),
    }
    if args.child:
        output = children[args.child]()
        print(json.dumps({**output, "peak_rss_bytes": peak_rss_bytes()}))
        return

    require_test_dependencies()
    OUT.mkdir(parents=True, exist_ok=True)
    home = OUT / "home"
    os.environ.pop("DATABASE_URL", None)

    print(f"a. synthetic SIDT export of {args.rows:,} rows …", flush=True)
    csv_path, generate_seconds = ensure_csv(args.rows, args.seed)
    origin = f"generated in {generate_seconds:.1f} s" if generate_seconds else "cached"
    print(f"   {csv_path} ({origin})")

    print("b. bare parse …", flush=True)
    load_before = os.getloadavg()[0]
    parse_runs, parse_cpu_runs = time_bare_parse(csv_path)
    parse_seconds = min(parse_runs)

    print("   preparing an empty installation …", flush=True)
    prepare_home(home)

    print(f"c. receive, inspect, validate (child process, best of {VALIDATE_REPEATS}) …", flush=True)
    validation_runs = []
    for _run in range(VALIDATE_REPEATS):
        if validation_runs:
            # The earlier run's files go, so each run writes into memory the machine has used before.
            shutil.rmtree(home / "files" / "submissions" / str(validation_runs[-1][0]["submission"]),
                          ignore_errors=True)
        validation_runs.append(run_child(["--child", "validate", "--home", str(home), "--csv", str(csv_path)]))
    ingest_runs = [sum(v[k] for k in ("receive_seconds", "inspect_seconds", "validate_seconds"))
                   for v, _rss in validation_runs]
    validation, _rss = validation_runs[min(range(VALIDATE_REPEATS), key=ingest_runs.__getitem__)]
    ingest_seconds = min(ingest_runs)
    ingest_rss = max(rss for _v, rss in validation_runs)
    # Only the last run's files are still there to compile; every run validated the same file.
    last_submission = validation_runs[-1][0]["submission"]

    print(f"e. frictionless on {args.frictionless_rows:,} rows (child process, best of {FRICTIONLESS_REPEATS}) …",
          flush=True)
    slice_path, schema_path, recoded = frictionless_inputs(csv_path, args.frictionless_rows,
                                                           validation["mapping"])
    friction_runs = [run_child(["--child", "frictionless", "--csv", str(slice_path), "--schema", str(schema_path)])[0]
                     for _run in range(FRICTIONLESS_REPEATS)]
    friction = min(friction_runs, key=lambda run: run["seconds"])
    friction["recoded"] = recoded
    friction["seconds_runs"] = [run["seconds"] for run in friction_runs]

    print("f. compile (child process) …", flush=True)
    compiled, compile_rss = run_child(["--child", "compile", "--home", str(home),
                                       "--submission", str(last_submission)])

    rows = validation["rows_read"]
    ingest_rate = rows / ingest_seconds
    friction_rate = friction["rows"] / friction["seconds"]
    figures = {
        "parse_seconds": parse_seconds,
        "parse_seconds_runs": parse_runs,
        "parse_seconds_median": statistics.median(parse_runs),
        "parse_rows_per_second": rows / parse_seconds,
        "parse_cpu_seconds": min(parse_cpu_runs),
        "receive_seconds": validation["receive_seconds"],
        "inspect_seconds": validation["inspect_seconds"],
        "validate_seconds": validation["validate_seconds"],
        "validate_rows_per_second": rows / validation["validate_seconds"],
        "validate_to_parse_ratio": validation["validate_seconds"] / parse_seconds,
        "ingest_seconds": ingest_seconds,
        "ingest_seconds_runs": ingest_runs,
        "ingest_rows_per_second": ingest_rate,
        "ingest_to_parse_ratio": ingest_seconds / parse_seconds,
        "ingest_cpu_seconds": validation["ingest_cpu_seconds"],
        "validate_cpu_seconds": validation["validate_cpu_seconds"],
        "validate_to_parse_cpu_ratio": validation["validate_cpu_seconds"] / min(parse_cpu_runs),
        "ingest_peak_rss_bytes": ingest_rss,
        "frictionless_rows": friction["rows"],
        "frictionless_seconds": friction["seconds"],
        "frictionless_seconds_runs": friction["seconds_runs"],
        "frictionless_rows_per_second": friction_rate,
        "ours_to_frictionless_ratio": ingest_rate / friction_rate,
        "compile_seconds": compiled["compile_seconds"],
        "compile_rows_per_second": compiled["rows"] / compiled["compile_seconds"],
        "compile_peak_rss_bytes": compile_rss,
    }
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "script": "bench/ingest.py",
        "machine": machine(),
        # One-minute load averages before (b) and after (f): other work on the machine slows every figure.
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "file": {"path": str(csv_path.relative_to(ROOT)), "rows": args.rows, "seed": args.seed,
                 "bytes": csv_path.stat().st_size},
        "figures": figures,
        "targets": {"ingest_to_parse_ratio_max": TARGET_PARSE_RATIO,
                    "ours_to_frictionless_ratio_min": TARGET_FRICTIONLESS_RATIO,
                    "ingest_peak_rss_bytes_max": TARGET_PEAK_BYTES,
                    "compile_seconds_max": TARGET_COMPILE_SECONDS},
        "validation": {k: v for k, v in validation.items() if k != "mapping"},
        "frictionless": friction,
        "compile": compiled,
    }
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_report(result)
    print(f"\nWritten to {(OUT / 'ingest.json').relative_to(ROOT)}")
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
