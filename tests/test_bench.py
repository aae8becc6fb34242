"""Benchmark scripts started from an installation without the test tools."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ingest_without_frictionless_exits_with_hint(tmp_path):
    # A copy, so that a run that does not stop writes its output under tmp_path.
    script = tmp_path / "bench" / "ingest.py"
    script.parent.mkdir()
    shutil.copy(ROOT / "bench" / "ingest.py", script)
    # Hide frictionless, as in an installation without the test dependencies.
    code = (f"import runpy, sys; sys.modules['frictionless'] = None; "
            f"sys.argv = [{str(script)!r}, '--rows', '10', '--frictionless-rows', '5']; "
            f"runpy.run_path({str(script)!r}, run_name='__main__')")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                               check=False)
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1
    assert "make bench" in completed.stderr
    assert "scripts/install.sh test" in completed.stderr
    assert not (tmp_path / "bench" / "out").exists()
