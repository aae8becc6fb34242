"""Benchmark: link N incoming records against an M-business registry on this machine.

    python bench/linkage.py --registry 5000000 --incoming 1000000 [--memory-limit 5GB] [--json]

The registry side is generated directly as comparison records (no Django, no database), with
the blind indexes and near hashes a real registry keeps; the incoming side is generated in the
data standard's columns with (synthetic) clear NIKs, so hashing them is part of the measured
time. Training runs on a sample, then every incoming record is linked. Wall time and peak
memory (ru_maxrss of the linking process) are printed with the pair counts.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def prepare(folder: Path, registry_size: int, incoming_size: int, seed: int) -> dict:
    from satudata.linkage.features import comparison_records
    from satudata.security.keyring import new_keyring
    from satudata.synthetic.linkage import generate_registry, look_alikes, vary_matches
    from satudata.synthetic.sidt import village_frame

    keyring = new_keyring()
    (folder / "keyring.json").write_text(keyring.to_json())
    started = time.monotonic()
    villages = village_frame()
    registry = generate_registry(registry_size, seed=seed, villages=villages)
    matched = round(incoming_size * 0.6)
    variants = vary_matches(registry.head(matched), seed=seed + 1, villages=villages)
    new = look_alikes(registry.slice(matched, incoming_size - matched), seed=seed + 2)
    incoming = pl.concat([variants, new], how="vertical_relaxed").with_row_index("row_id", offset=1)
    incoming.drop("true_business_id", "case").with_columns(pl.col("row_id").cast(pl.Int64)).write_parquet(
        folder / "incoming.parquet"
    )
    records = comparison_records(registry.drop("kind"), id_column="business_id", keyring=keyring)
    records.write_parquet(folder / "registry.parquet")
    return {"prepare_seconds": round(time.monotonic() - started, 1)}


def link(folder: Path, train_sample: int, memory_limit: str, threads: int | None) -> dict:
    from satudata.linkage.engine import LinkStats, link_records
    from satudata.linkage.features import comparison_records
    from satudata.linkage.model import connect, train
    from satudata.security.keyring import Keyring

    keyring = Keyring.from_json((folder / "keyring.json").read_text())
    started = time.monotonic()
    con = connect(threads=threads, memory_limit=memory_limit, temp_directory=str(folder / "spill"))
    # The registry stays in its Parquet file: DuckDB reads it for the rules and the scoring, and
    # only the training sample becomes a Polars frame.
    registry_path = str(folder / "registry.parquet").replace("'", "''")
    con.execute(f"create view registry as select * from read_parquet('{registry_path}')")  # noqa: S608
    registry_size = con.sql("select count(*) from registry").fetchall()[0][0]
    incoming = comparison_records(
        pl.read_parquet(folder / "incoming.parquet"), id_column="row_id", keyring=keyring
    )
    features_seconds = round(time.monotonic() - started, 1)
    train_started = time.monotonic()
    sample_size = int(min(train_sample, registry_size))
    registry_sample = con.sql(
        f"select * from registry using sample reservoir({sample_size} rows) repeatable (1)"  # noqa: S608
    ).pl()
    model = train(registry_sample, incoming.sample(min(train_sample // 5, incoming.height), seed=1), con=con)
    del registry_sample
    train_seconds = round(time.monotonic() - train_started, 1)
    stats = LinkStats()
    result = link_records(incoming, "registry", model, con=con, stats=stats)
    con.close()
    counts = result.group_by("decision").len().to_dicts()
    return {
        "registry": registry_size, "incoming": incoming.height, "features_seconds": features_seconds,
        "train_seconds": train_seconds, "link_stats": {"deterministic_links": stats.deterministic,
                                                        "scored_pairs_above_0.01": stats.scored_pairs,
                                                        "seconds": stats.seconds},
        "decisions": {row["decision"]: row["len"] for row in counts},
        "wall_seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=5_000_000, help="Registered businesses (default 5000000).")
    parser.add_argument("--incoming", type=int, default=1_000_000, help="Incoming records (default 1000000).")
    parser.add_argument("--seed", type=int, default=1, help="Generator seed (default 1).")
    parser.add_argument("--train-sample", type=int, default=500_000,
                        help="Registry records sampled for training; a fifth as many incoming (default 500000).")
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB memory limit (default 5GB).")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: all cores).")
    parser.add_argument("--folder", type=Path, help="Working folder (default: a new temporary folder).")
    parser.add_argument("--phase", choices=["all", "link"], default="all", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="linkage-bench-"))
    if args.phase == "link":
        print(json.dumps(link(folder, args.train_sample, args.memory_limit, args.threads)))
        return
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
              **prepare(folder, args.registry, args.incoming, args.seed)}
    # Linking runs in its own process, so its peak memory excludes the generator's.
    command = [sys.executable, __file__, "--phase", "link", "--folder", str(folder), "--train-sample",
               str(args.train_sample), "--memory-limit", args.memory_limit]
    if args.threads:
        command += ["--threads", str(args.threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    report.update(json.loads(output))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        print(f"{key:<18} {value}")


if __name__ == "__main__":
    main()
