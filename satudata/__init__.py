"""Satu Data UMKM: the single registry of Indonesian micro, small and medium enterprises."""

__version__ = "0.1.0"
