"""Record linkage: deciding whether an incoming record describes a business already in the registry.

Deterministic rules run first (same NIB; same owner NIK with a matching business name), then a
Fellegi–Sunter model trained with Splink scores the remaining candidate pairs. Each incoming
record ends as a link, a new business, or a clerical-review item.
"""
