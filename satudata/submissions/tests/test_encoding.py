"""Encoding detection of CSV files, including a multibyte character that straddles the
CHUNK_BYTES offset, where reads that go by chunks would split it."""

import codecs

import pytest

from satudata.submissions import reading
from satudata.submissions.errors import FileRejected


@pytest.mark.parametrize(("data", "expected"), [
    (b"a,b\n1,2\n", "utf-8"),
    ("a,b\nSiti,Jl. Kartini \u2019A\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + b"a,b\n1,2\n", "utf-8-sig"),
    ("a,b\nCaf\u00e9,1\n".encode("cp1252"), "cp1252"),
])
def test_encoding_of_small_files(tmp_path, data, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert reading.detect_encoding(path, "f.csv") == expected


def test_character_split_between_chunks_is_utf8(tmp_path):
    # The first chunk is ASCII up to the first byte of "é", which the second chunk completes.
    path = tmp_path / "split.csv"
    path.write_bytes(b"a" * (reading.CHUNK_BYTES - 1) + "\u00e9".encode() + b"b" * 10)
    assert reading.detect_encoding(path, "split.csv") == "utf-8"


def test_broken_character_after_ascii_chunk_is_cp1252(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"a" * (reading.CHUNK_BYTES - 1) + "\u00e9".encode()[:1] + b"b" * 10)
    assert reading.detect_encoding(path, "broken.csv") == "cp1252"


def test_character_cut_at_end_of_file_is_cp1252(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"a" * 100 + "\u00e9".encode()[:1])
    assert reading.detect_encoding(path, "cut.csv") == "cp1252"


def test_nul_byte_is_rejected(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,\x002\n")
    with pytest.raises(FileRejected):
        reading.detect_encoding(path, "nul.csv")


def test_empty_file_is_utf8(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert reading.detect_encoding(path, "empty.csv") == "utf-8"
