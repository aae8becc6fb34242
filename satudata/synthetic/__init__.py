"""Generators of realistic synthetic UMKM records for tests, benchmarks and demos.

The registry holds personal data, so no real record-level file is ever used in tests: these
generators build records that look like real ones (real region codes and names, NIKs whose
district and birth date are consistent) from a seed, reproducibly.
"""
