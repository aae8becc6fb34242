"""Latency of the live field check of enumerator entry, against a plain JSON request of the same pages.

The check runs the file validation rules on one record on every change of a field, so its
response must arrive well within a typing pause. The baseline is the region-picker request of the same
account, which passes the same middleware, session and scope but validates nothing.

    .venv/bin/python bench/entry.py --requests 200
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind (default 200)")
    args = parser.parse_args()

    os.environ["SATUDATA_HOME"] = tempfile.mkdtemp(prefix="satudata-bench-entry-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from satudata.accounts.models import User
    from satudata.accounts.testing import sign_in_verified
    from satudata.portal.setup import initialize

    setup_test_environment()
    initialize(demo=True, verbosity=0)
    client = Client()
    sign_in_verified(client, User.objects.get(username="enumerator-bandung"))
    record = {
        "business_name": "Warung Siti", "kbli": "56103", "business_address": "Jl. Sukajadi No. 5",
        "business_village_code": "32.73.01.1001", "owner_nik": "327301520390001", "owner_name": "Siti Aminah",
        "owner_sex": "P", "owner_birth_date": "1990-03-12", "reference_year": "2025", "capital": "15.000.000",
    }

    def timed(call) -> list[float]:
        call()  # the first request builds the per-process code-list caches
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        return times

    check = timed(lambda: client.post(reverse("entry:check"), record))
    baseline = timed(lambda: client.get(reverse("entry:regions"),
                                        {"variable": "business_village_code", "parent": "32.73.01"}))
    result = {
        "requests": args.requests,
        "check_ms_median": round(statistics.median(check), 1),
        "check_ms_p95": round(sorted(check)[int(0.95 * len(check)) - 1], 1),
        "baseline_ms_median": round(statistics.median(baseline), 1),
        "ratio_median": round(statistics.median(check) / statistics.median(baseline), 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
