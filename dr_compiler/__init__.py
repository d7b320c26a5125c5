"""dr_compiler: compile declarative disaster-recovery specs into CloudFormation StackSets."""

from __future__ import annotations

__version__ = "0.1.0"
