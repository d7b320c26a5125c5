"""The data cfn-lint (a dependency) ships, read as files without importing cfn-lint.

`import cfnlint` costs about 0.4 s (`python -X importtime -c "import cfnlint"`: 392 ms
cumulative on the development machine), more than a whole `validate` of the shipped spec, so
the rules that need its data locate the package with importlib and read its JSON directly.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path


class CfnLintDataNotFound(RuntimeError):
    """cfn-lint's bundled data is missing: the rule that needs it cannot judge."""


@cache
def data_dir() -> Path:
    """cfnlint/data of the installed cfn-lint."""
    spec = importlib.util.find_spec("cfnlint")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise CfnLintDataNotFound("cfn-lint is not installed; its bundled data is needed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"
