"""`python -m dr_compiler`."""

from __future__ import annotations

from dr_compiler.cli import main

main()
