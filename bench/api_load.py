"""Load the submissions API of a real 'satudata serve' and check that no record was lost or doubled.

The script runs on a fresh SQLite installation, and then on PostgreSQL when DATABASE_URL is set.
For each database it prepares an installation with 20 central producers and an API token each,
starts 'satudata serve' on 127.0.0.1 on a free port, and for --duration seconds runs:

- 20 producer clients, one per producer, that open a draft, push 10,000 records in batches of
  --batch records and submit it, then start the next draft. Every POST carries an
  Idempotency-Key, and a request that times out, fails to connect or gets a 5xx response is sent
  again with the same key.
- 50 clients that poll the state of the submissions (one submission, or the list of them).

It then stops the server and reads the database: every acknowledged record must be stored once,
and no record may be stored that was not acknowledged. Each record carries a unique
``source_record_id`` so that a batch applied twice shows up as duplicates. It prints throughput,
p50 and p99 latency per endpoint and the count of 5xx responses, and the databases side by side.
The databases run one after the other, so they do not compete for the CPU.

    .venv/bin/python bench/api_load.py --duration 60
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/satudata_load .venv/bin/python bench/api_load.py

With DATABASE_URL the database is migrated and gets new producers; its earlier content stays.
Exit status 1 when a record was lost or doubled.
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCERS = 20
RECORDS_PER_SUBMISSION = 10_000
POLLERS = 50
MAX_ATTEMPTS = 20
SERVER_START_SECONDS = 120


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=300, help="Seconds of load per database (default 300)."
    )
    parser.add_argument("--producers", type=int, default=PRODUCERS, help="Producer clients (default 20).")
    parser.add_argument("--pollers", type=int, default=POLLERS, help="Status-polling clients (default 50).")
    parser.add_argument(
        "--records",
        type=int,
        default=RECORDS_PER_SUBMISSION,
        help="Records pushed into each submission (default 10000).",
    )
    parser.add_argument("--batch", type=int, default=500, help="Records per push request (default 500).")
    parser.add_argument(
        "--timeout", type=float, default=30, help="Seconds before a request is retried (default 30)."
    )
    parser.add_argument(
        "--server-threads",
        type=int,
        default=8,
        help="Threads of the waitress server, as 'satudata serve --threads' (default 8).",
    )
    parser.add_argument(
        "--sqlite-only", action="store_true", help="Skip PostgreSQL even when DATABASE_URL is set."
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    return parser.parse_args(argv)


# --- Steps that run inside Django, in a child process pointed at the database under test ---


def prepare_installation(run: str, producers: int) -> None:
    """Initialize the installation, create the producers and their tokens, print them as JSON."""
    from satudata.portal.setup import initialize
    from satudata.producers.models import Producer
    from satudata.producers.services import create_producer
    from satudata.producers.tokens import create_token

    initialize(verbosity=0)
    tokens = {}
    for number in range(1, producers + 1):
        code = f"bench-{run}-{number:02d}"
        producer = create_producer(code=code, name=f"Beban API {number}", kind=Producer.Kind.CENTRAL)
        tokens[code] = create_token(producer, name="api-load")[1]
    print(json.dumps(tokens))


def stored_records(submission_ids: list[int]) -> None:
    """Print, per submission, the source_record_id of every stored record as JSON."""
    from satudata.submissions.models import SubmissionRecord

    stored: dict[int, list[str]] = defaultdict(list)
    rows = SubmissionRecord.objects.filter(submission_id__in=submission_ids).values_list(
        "submission_id", "values"
    )
    for submission_id, values in rows.iterator(chunk_size=20_000):
        stored[submission_id].append(values.get("source_record_id"))
    print(json.dumps(stored))


def run_django_step(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if argv[0] == "prepare":
        prepare_installation(argv[1], int(argv[2]))
    else:
        stored_records([int(value) for value in argv[1:]])


def django_step(env: dict[str, str], *args: str) -> object:
    result = subprocess.run(
        [sys.executable, __file__, "--django-step", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- The load ---


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    timeouts: int = 0
    connection_errors: int = 0
    retries: int = 0
    gave_up: int = 0

    def add(self, endpoint: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)
            self.statuses[endpoint][status] += 1

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass
class Ledger:
    """Submissions opened by the run and the record ids of each push that the server acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submissions: dict[int, str] = field(default_factory=dict)
    acknowledged: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    submitted: int = 0

    def opened(self, submission_id: int, producer: str) -> None:
        with self.lock:
            self.submissions[submission_id] = producer

    def pushed(self, submission_id: int, record_ids: list[str]) -> None:
        with self.lock:
            self.acknowledged[submission_id].extend(record_ids)

    def known(self) -> list[tuple[int, str]]:
        with self.lock:
            return list(self.submissions.items())


def make_record(record_id: str, number: int) -> dict[str, str]:
    """Return a valid record of the standard's variables, unique by record_id, NIB and business name."""
    return {
        "source_record_id": record_id,
        "nib": f"{1_000_000_000_000 + number}",
        "business_name": f"Warung Beban {record_id}",
        "kbli": "56103",
        "business_address": "Jl. Sukajadi No. 5",
        "business_village_code": "32.73.01.1001",
        "owner_nik": "3273015203900001",
        "owner_name": "Siti Aminah",
        "owner_sex": "P",
        "owner_birth_date": "1990-03-12",
        "reference_year": "2025",
        "capital": "15000000",
        "annual_sales": "120000000",
        "business_scale": "MIKRO",
        "workers_total": "2",
    }


class Client:
    """One HTTP session (one connection at a time), which retries idempotent requests with the same key.

    Each client keeps a single connection, so the server has as many connections as there are
    clients. waitress stops accepting new ones at 100 by default.
    """

    def __init__(self, base_url: str, stats: Stats, timeout: float):
        import requests

        self.requests = requests
        self.session = requests.Session()
        self.base_url = base_url
        self.stats = stats
        self.timeout = timeout

    def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        token: str,
        body: object = None,
        key: str | None = None,
        retry: bool = True,
    ) -> dict | list | None:
        """Send one request, again with the same Idempotency-Key after a timeout or 5xx; return its JSON."""
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                self.stats.count("retries")
                time.sleep(min(0.2 * 2**attempt, 5))
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method, self.base_url + path, data=data, headers=headers, timeout=(5, self.timeout)
                )
            except self.requests.Timeout:
                self.stats.add(endpoint, time.perf_counter() - started, 0)
                self.stats.count("timeouts")
            except self.requests.ConnectionError:
                self.stats.add(endpoint, time.perf_counter() - started, 0)
                self.stats.count("connection_errors")
                # A connection the server closed is not reused.
                self.session.close()
            else:
                self.stats.add(endpoint, time.perf_counter() - started, response.status_code)
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise SystemExit(
                            f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}"
                        )
                    return response.json()
            if not retry:
                return None
        self.stats.count("gave_up")
        raise SystemExit(f"{method} {path}: no response after {MAX_ATTEMPTS} attempts")


def produce(
    client: Client,
    producer: str,
    token: str,
    options: argparse.Namespace,
    ledger: Ledger,
    run: str,
    deadline: float,
) -> None:
    """Push drafts of options.records records until the deadline; submit each full draft."""
    round_number = 0
    while time.monotonic() < deadline:
        round_number += 1
        prefix = f"{run}-{producer}-{round_number}"
        created = client.call(
            "create",
            "POST",
            "/api/v1/submissions/",
            token=token,
            key=f"{prefix}-open",
            body={"reference_year": 2025, "name": f"beban-{round_number}"},
        )
        submission_id = created["id"]
        ledger.opened(submission_id, producer)
        pushed = 0
        while pushed < options.records and time.monotonic() < deadline:
            size = min(options.batch, options.records - pushed)
            record_ids = [f"{prefix}-{pushed + n:05d}" for n in range(size)]
            number_base = zlib.crc32(prefix.encode()) * 100_000
            records = [
                make_record(record_id, number_base + pushed + n) for n, record_id in enumerate(record_ids)
            ]
            answer = client.call(
                "push",
                "POST",
                f"/api/v1/submissions/{submission_id}/records",
                token=token,
                key=f"{prefix}-push-{pushed}",
                body={"records": records},
            )
            if answer["received"] != size:
                raise SystemExit(
                    f"submission {submission_id}: pushed {size} records, server received {answer['received']}"
                )
            ledger.pushed(submission_id, record_ids)
            pushed += size
        if pushed == options.records:
            client.call(
                "submit",
                "POST",
                f"/api/v1/submissions/{submission_id}/submit",
                token=token,
                key=f"{prefix}-submit",
            )
            with ledger.lock:
                ledger.submitted += 1


def poll(client: Client, tokens: dict[str, str], ledger: Ledger, deadline: float, seed: int) -> None:
    """Read the state of a random known submission, or every tenth time the list, until the deadline.

    A poll that times out is counted and not repeated, because the next poll reads the state again.
    """
    rng = random.Random(seed)
    codes = sorted(tokens)
    while time.monotonic() < deadline:
        known = ledger.known()
        if known and rng.random() >= 0.1:
            submission_id, producer = rng.choice(known)
            client.call(
                "status", "GET", f"/api/v1/submissions/{submission_id}", token=tokens[producer], retry=False
            )
        else:
            token = tokens[rng.choice(codes)]
            client.call("list", "GET", "/api/v1/submissions/?limit=20", token=token, retry=False)
        time.sleep(rng.uniform(0.05, 0.15))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(process: subprocess.Popen, port: int) -> None:
    import requests

    started = time.monotonic()
    while time.monotonic() - started < SERVER_START_SECONDS:
        if process.poll() is not None:
            raise SystemExit(f"satudata serve exited with status {process.returncode}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/submissions/", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.5)
    raise SystemExit(f"satudata serve did not respond on port {port} within {SERVER_START_SECONDS} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_load(name: str, env: dict[str, str], options: argparse.Namespace) -> dict:
    run = uuid.uuid4().hex[:6]
    print(f"[{name}] preparing the installation", flush=True)
    tokens = django_step(env, "prepare", run, str(options.producers))

    port = free_port()
    log_path = Path(env["SATUDATA_HOME"]) / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "satudata"),
                "serve",
                "--port",
                str(port),
                "--threads",
                str(options.server_threads),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_server(server, port)
        print(f"[{name}] serving on 127.0.0.1:{port}; load for {options.duration:.0f} s", flush=True)
        stats, ledger = Stats(), Ledger()
        base_url = f"http://127.0.0.1:{port}"
        producer_clients = {code: Client(base_url, stats, options.timeout) for code in tokens}
        poll_clients = [Client(base_url, stats, options.timeout) for _ in range(options.pollers)]
        load_average_before = os.getloadavg()
        started = time.monotonic()
        deadline = started + options.duration
        errors: list[BaseException] = []

        def guarded(target, *args):
            try:
                target(*args)
            except BaseException as exc:  # noqa: BLE001 - reported after the run, which then fails
                errors.append(exc)

        threads = [
            threading.Thread(
                target=guarded, args=(produce, client, code, tokens[code], options, ledger, run, deadline)
            )
            for code, client in producer_clients.items()
        ]
        threads += [
            threading.Thread(target=guarded, args=(poll, client, tokens, ledger, deadline, seed))
            for seed, client in enumerate(poll_clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        load_average_after = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    server_errors = sum(
        1
        for line in log_path.read_text(errors="replace").splitlines()
        if "Traceback" in line or "database is locked" in line
    )

    stored = {
        int(key): value for key, value in django_step(env, "count", *map(str, ledger.submissions)).items()
    }
    acknowledged_ids = {record for records in ledger.acknowledged.values() for record in records}
    acknowledged_count = sum(len(records) for records in ledger.acknowledged.values())
    stored_list = [record for records in stored.values() for record in records]
    stored_ids = set(stored_list)
    figures = {
        "database": name,
        "duration_s": round(elapsed, 1),
        "load_average_before": [round(value, 2) for value in load_average_before],
        "load_average_after": [round(value, 2) for value in load_average_after],
        "submissions_opened": len(ledger.submissions),
        "submissions_submitted": ledger.submitted,
        "records_acknowledged": acknowledged_count,
        "records_stored": len(stored_list),
        "records_lost": len(acknowledged_ids - stored_ids),
        "records_duplicated": len(stored_list)
        - len(stored_ids)
        + (acknowledged_count - len(acknowledged_ids)),
        "records_unacknowledged": len(stored_ids - acknowledged_ids),
        "records_per_s": round(acknowledged_count / elapsed, 1),
        "requests": sum(len(values) for values in stats.latencies.values()),
        "requests_per_s": round(sum(len(values) for values in stats.latencies.values()) / elapsed, 1),
        "http_5xx": sum(
            count
            for statuses in stats.statuses.values()
            for status, count in statuses.items()
            if status >= 500
        ),
        "timeouts": stats.timeouts,
        "connection_errors": stats.connection_errors,
        "retries": stats.retries,
        "server_log_errors": server_errors,
        "client_errors": [str(error) for error in errors],
        "endpoints": {
            endpoint: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
                "statuses": dict(sorted(stats.statuses[endpoint].items())),
            }
            for endpoint, values in sorted(stats.latencies.items())
        },
    }
    figures["ok"] = (
        not errors
        and figures["records_lost"] == 0
        and figures["records_duplicated"] == 0
        and figures["records_unacknowledged"] == 0
    )
    return figures


def print_side_by_side(results: list[dict]) -> None:
    rows = [
        ("load duration (s)", "duration_s"),
        ("submissions opened", "submissions_opened"),
        ("submissions submitted", "submissions_submitted"),
        ("records acknowledged", "records_acknowledged"),
        ("records stored", "records_stored"),
        ("records lost", "records_lost"),
        ("records duplicated", "records_duplicated"),
        ("records stored, not acknowledged", "records_unacknowledged"),
        ("records/s", "records_per_s"),
        ("requests", "requests"),
        ("requests/s", "requests_per_s"),
        ("HTTP 5xx", "http_5xx"),
        ("timeouts", "timeouts"),
        ("connection errors", "connection_errors"),
        ("retries", "retries"),
        ("errors in the server log", "server_log_errors"),
    ]
    endpoints = sorted({endpoint for result in results for endpoint in result["endpoints"]})
    header = ["", *(result["database"] for result in results)]
    lines = [header]
    for label, key in rows:
        lines.append([label, *(str(result[key]) for result in results)])
    for endpoint in endpoints:
        for measure in ("requests", "p50_ms", "p99_ms"):
            lines.append(
                [
                    f"{endpoint} {measure.replace('_ms', ' (ms)')}",
                    *(str(result["endpoints"].get(endpoint, {}).get(measure, "-")) for result in results),
                ]
            )
    lines.append(["load average before", *(" ".join(map(str, r["load_average_before"])) for r in results)])
    lines.append(["load average after", *(" ".join(map(str, r["load_average_after"])) for r in results)])
    lines.append(["no record lost or doubled", *("yes" if r["ok"] else "NO" for r in results)])
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    for line in lines:
        print(
            "  ".join(
                cell.ljust(width) if column == 0 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )
    for result in results:
        for error in result["client_errors"]:
            print(f"[{result['database']}] client error: {error}")


def main() -> None:
    options = parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    base_env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SATUDATA_HOME")
    }
    base_env["PYTHONUNBUFFERED"] = "1"
    targets = [("sqlite", {})]
    if database_url and not options.sqlite_only:
        targets.append(("postgresql", {"DATABASE_URL": database_url}))

    results = []
    for name, extra in targets:
        home = tempfile.mkdtemp(prefix=f"satudata-bench-api-{name}-")
        env = {**base_env, **extra, "SATUDATA_HOME": home}
        results.append(run_load(name, env, options))
        print(f"[{name}] done; server log in {home}/serve.log", flush=True)
    print()
    print(
        f"{options.producers} producer clients × {options.records:,} records in batches of {options.batch}, "
        f"{options.pollers} polling clients, {options.server_threads} server threads, {os.cpu_count()} CPUs"
    )
    print_side_by_side(results)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))
    if not all(result["ok"] for result in results):
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--django-step":
        run_django_step(sys.argv[2:])
    else:
        main()
