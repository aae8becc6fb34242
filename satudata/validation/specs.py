"""Plain descriptions of variables and checks that the validation engine runs on.

The engine does not touch the ORM, so it can be benchmarked and property-tested on its own.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class VariableSpec:
    code: str
    datatype: str
    label: str = ""
    required: bool = False
    code_list: str = ""
    domain: dict[str, Any] = field(default_factory=dict)
    kind: str = "master"
    entity: str = "business"


@dataclass(frozen=True)
class CheckSpec:
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StandardSpec:
    label: str
    variables: tuple[VariableSpec, ...]
    checks: tuple[CheckSpec, ...] = ()

    def variable(self, code: str) -> VariableSpec | None:
        for spec in self.variables:
            if spec.code == code:
                return spec
        return None


def spec_from_version(version: Any) -> StandardSpec:
    """Build a ``StandardSpec`` from a ``standards.StandardVersion`` row."""
    variables = tuple(
        VariableSpec(
            code=v.code, datatype=v.datatype, label=v.label, required=v.required, code_list=v.code_list,
            domain=dict(v.domain or {}), kind=v.kind, entity=v.entity,
        )
        for v in version.variables.all()
    )
    checks = tuple(CheckSpec(rule=c.rule, params=dict(c.params)) for c in version.checks.all())
    return StandardSpec(label=version.label, variables=variables, checks=checks)
