"""The translation catalogs: complete, free of fuzzy entries, placeholders intact, compiled .mo current.

The .po files are read with a small reader of the flat format that ``makemessages`` writes
(message contexts, no obsolete entries), because polib is not a dependency. The compiled
.mo files are read with the standard library's ``gettext`` module, the reader Django uses.
"""

import ast
import gettext
import re
import shutil
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["id", "en"]
PLURAL_FORMS = {"id": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}

PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?) (".*")$')


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    # Translations by plural index. A message without plural forms has the single index None.
    msgstr: dict[int | None, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> list[Entry]:
    """Parse a .po file into its entries, the header (msgid "") first."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] = ("msgid", None)
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            entry = None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if text.startswith("#,"):
            entry.flags.update(flag.strip() for flag in text[2:].split(","))
            continue
        if text.startswith("#"):
            continue
        match = LINE.match(text)
        if match:
            keyword, index, quoted = match.groups()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else None)
                entry.msgstr[target[1]] = ast.literal_eval(quoted)
            else:
                target = (keyword, None)
                setattr(entry, keyword, ast.literal_eval(quoted))
            continue
        if not text.startswith('"'):
            raise ValueError(f"{path}:{number}: unexpected line {text!r}")
        if target[0] == "msgstr":
            entry.msgstr[target[1]] += ast.literal_eval(text)
        else:
            setattr(entry, target[0], getattr(entry, target[0]) + ast.literal_eval(text))
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def brace_fields(text: str) -> list[tuple[str, str | None, str]]:
    """Return the ``{name!conversion:spec}`` fields of a str.format template, sorted.

    Raises ValueError when the template has an unmatched brace.
    """
    return sorted(
        (name, conversion, spec)
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def placeholders(text: str) -> dict[str, list]:
    return {
        "brace": brace_fields(text),
        "percent": sorted(PERCENT_PLACEHOLDER.findall(text)),
        "html": sorted(HTML_TAG.findall(text)),
    }


def messages(language: str) -> list[Entry]:
    return [e for e in read_po(po_path(language)) if e.msgid]


def header(language: str) -> Entry:
    first = read_po(po_path(language))[0]
    assert first.msgid == "", f"{po_path(language)} does not start with the header entry"
    return first


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_declares_language(language):
    meta = header(language).msgstr[None]
    assert f"Language: {language}\n" in meta
    assert "Content-Type: text/plain; charset=UTF-8\n" in meta
    assert f"Plural-Forms: {PLURAL_FORMS[language]}\n" in meta
    assert "fuzzy" not in header(language).flags


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_fuzzy_entries(language):
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in messages(language) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in {po_path(language)}:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_untranslated_entries(language):
    nplurals = int(re.search(r"nplurals=(\d+)", PLURAL_FORMS[language]).group(1))
    untranslated = []
    for entry in messages(language):
        expected = list(range(nplurals)) if entry.msgid_plural is not None else [None]
        forms = sorted(entry.msgstr, key=str)
        if forms != sorted(expected, key=str):
            untranslated.append(f"line {entry.line}: {entry.msgid!r} has forms {forms}, expected {expected}")
        elif not all(entry.msgstr.values()):
            untranslated.append(f"line {entry.line}: {entry.msgid!r}")
    assert not untranslated, f"untranslated entries in {po_path(language)}:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language):
    changed = []
    for entry in messages(language):
        for index, translation in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural is not None else entry.msgid
            try:
                found = placeholders(translation)
            except ValueError as exc:
                changed.append(f"line {entry.line}: {translation!r} is not a valid format template ({exc})")
                continue
            if found != placeholders(source):
                changed.append(f"line {entry.line}: {source!r} -> {translation!r}")
    assert not changed, f"placeholders or HTML tags differ in {po_path(language)}:\n" + "\n".join(changed)


def test_english_catalog_is_identity():
    differing = []
    for entry in messages("en"):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural is not None else [entry.msgid]
        translations = [entry.msgstr[k] for k in sorted(entry.msgstr, key=str)]
        if translations != sources:
            differing.append(f"line {entry.line}: {entry.msgid!r}")
    assert not differing, "English msgstr differs from its msgid:\n" + "\n".join(differing)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_check_passes(language):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path(language))],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_po(language):
    """Compare contents, not file times, because a git checkout sets each file's time when it writes it."""
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing; run: cd satudata && satudata compilemessages"
    with mo_path.open("rb") as stream:
        # _catalog is private, but Django's trans_real reads the same attribute to merge catalogs.
        compiled = gettext.GNUTranslations(stream)._catalog

    expected: dict[object, str] = {}
    for entry in messages(language):
        # A compiled catalog keys a message with a context as "context\x04msgid".
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[None]
        else:
            expected.update({(key, index): text for index, text in entry.msgstr.items()})
    compiled_messages = {key: text for key, text in compiled.items() if key != ""}

    stale = sorted(
        repr(key) for key in expected.keys() | compiled_messages.keys()
        if expected.get(key) != compiled_messages.get(key)
    )
    assert not stale, (
        f"{mo_path} does not match {po_path(language).name}; run: cd satudata && satudata compilemessages\n"
        + "\n".join(stale[:20])
    )
