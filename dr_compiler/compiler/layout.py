"""The stacks a spec compiles to: one per phase and region, named by key.

A leaf of the compiler (standard library only), so the spec rules can ask for the layout
(DR002 names every StackSet) without loading the service builders or troposphere.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from dr_compiler.model import Spec

GLOBAL_REGION = "us-east-1"
"""Route53 health-check metrics exist only in us-east-1, so the global stack lives there."""


class Phase(enum.Enum):
    PRIMARY = "primary"
    BASE = "base"
    ATTACH = "attach"
    GLOBAL = "global"


@dataclass(frozen=True, order=True)
class StackId:
    """One template: a phase in a region. Its StackSet deploys it to that region only."""

    phase: Phase = field(compare=False)
    region: str
    key: str = field(init=False, compare=True)

    def __post_init__(self) -> None:
        key = {
            Phase.PRIMARY: self.region,
            Phase.BASE: f"{self.region}-base",
            Phase.ATTACH: f"{self.region}-attach",
            Phase.GLOBAL: "global",
        }[self.phase]
        object.__setattr__(self, "key", key)

    @property
    def file(self) -> str:
        return f"{self.key}.json"


def stack_layout(spec: Spec) -> list[StackId]:
    secondaries = spec.regions.secondaries
    return [
        StackId(Phase.PRIMARY, spec.regions.primary),
        *(StackId(Phase.BASE, region) for region in secondaries),
        *(StackId(Phase.ATTACH, region) for region in secondaries),
        StackId(Phase.GLOBAL, GLOBAL_REGION),
    ]
