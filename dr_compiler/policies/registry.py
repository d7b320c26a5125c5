"""The rule catalog, discovered from the modules of `dr_compiler.policies.rules`.

Each module of that package defines exactly one `RULE`; adding a rule is adding a module.
Discovery walks the package (not a folder path), so an installed wheel finds the same rules.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from dr_compiler.policies import rules as rules_package
from dr_compiler.policies.rule import Rule

RULE_ID = re.compile(r"^DR[0-9]{3}$")
PACKS = ("dr-core", "pci-dss")


@cache
def all_rules() -> tuple[Rule, ...]:
    found = []
    for module_info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"{rules_package.__name__}.{module_info.name}")
        found.append(module.RULE)
    return tuple(sorted(found, key=lambda rule: rule.id))


def rule(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.id == rule_id.upper()), None)


def rules_for_packs(packs: tuple[str, ...]) -> tuple[Rule, ...]:
    return tuple(r for r in all_rules() if set(r.packs) & set(packs))
