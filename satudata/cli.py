"""The ``satudata`` command: Django's management commands under the project's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]] if len(sys.argv) > 1 else [sys.argv[0], "help"])


if __name__ == "__main__":
    main()
