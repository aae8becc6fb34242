"""Settings of the test suite: the production settings with a throwaway home and immediate jobs.

pytest-django imports the settings before it loads any conftest.py, so these defaults must be in
place here, before ``satudata.settings`` reads the environment.
"""

import os
import tempfile

# Tests never use a developer's SATUDATA_HOME.
os.environ.setdefault("SATUDATA_HOME", tempfile.mkdtemp(prefix="satudata-test-"))
# Background jobs run in the test's own thread, so their result is there when the call returns.
os.environ.setdefault("SATUDATA_JOBS", "immediate")

from satudata.settings import *  # noqa: E402, F403
