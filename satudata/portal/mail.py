"""E-mail backend of a fresh installation: messages are printed, on standard error.

Django's console backend prints on standard output, which mixes notices into the JSON that
commands such as ``satudata submit --json`` print there for scripts.
"""

import sys

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class ConsoleEmailBackend(DjangoConsoleBackend):
    """Console backend that writes to standard error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
