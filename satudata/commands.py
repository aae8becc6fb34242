"""Shared behaviour of the project's management commands: language, JSON output, domain errors."""

import argparse
import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from satudata.errors import DomainError


class SatudataCommand(BaseCommand):
    """A command whose messages follow ``--language`` (default Indonesian, or SATUDATA_LANGUAGE)."""

    leave_locale_alone = True

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language", choices=["id", "en"], default=os.environ.get("SATUDATA_LANGUAGE", "id"),
            help="Language of messages and report headers (default: id).",
        )
        return parser

    @staticmethod
    def add_language(parser: argparse.ArgumentParser) -> None:
        """Accept --language after a subcommand too, without overriding the value given before it."""
        parser.add_argument("--language", choices=["id", "en"], default=argparse.SUPPRESS,
                            help="Language of messages and report headers (default: id).")

    def execute(self, *args: Any, **options: Any) -> Any:
        translation.activate(options.get("language") or "id")
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def print_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
