"""Progress of StackSet operations per stack instance: pending, running, succeeded, failed.

On a terminal it is a rich table redrawn in place; anywhere else (CI logs, pipes, tests) it is
one plain line per change of state, so logs stay readable and greppable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TextIO

from dr_compiler.deploy.plan import Target

if TYPE_CHECKING:
    from rich.table import Table

STATE_STYLES = {
    "pending": "dim",
    "running": "yellow",
    "succeeded": "green",
    "unchanged": "dim green",
    "failed": "bold red",
}


# More instances than this in a StackSet and the display sums them up per region and state;
# a failed instance is always shown with its reason.
SUMMARY_ABOVE = 12


class Progress(Protocol):
    def wave(self, number: int, stack_sets: Sequence[str]) -> None: ...

    def update(self, stack_set: str, target: Target, state: str, detail: str = "") -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Row:
    wave: int
    state: str
    detail: str


def totals(rows: Mapping[tuple[str, Target], Row], stack_set: str) -> dict[str, Counter[str]]:
    """Region -> how many of `stack_set`'s instances are in each state."""
    counts: dict[str, Counter[str]] = {}
    for (name, target), row in rows.items():
        if name == stack_set:
            counts.setdefault(target.region, Counter())[row.state] += 1
    return counts


def counts_text(counts: Counter[str]) -> str:
    return ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))


class LineProgress:
    """One line per state change."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._wave = 0
        self._rows: dict[tuple[str, Target], Row] = {}
        self._summed: list[str] = []  # StackSets of this wave shown as totals

    def wave(self, number: int, stack_sets: Sequence[str]) -> None:
        self._print_totals()
        self._wave = number
        print(f"wave {number}: {', '.join(stack_sets)}", file=self.stream, flush=True)

    def update(self, stack_set: str, target: Target, state: str, detail: str = "") -> None:
        row = Row(self._wave, state, detail)
        if self._rows.get((stack_set, target)) == row:
            return
        self._rows[(stack_set, target)] = row
        if stack_set not in self._summed:
            if len({t for name, t in self._rows if name == stack_set}) <= SUMMARY_ABOVE:
                self._print(f"  {stack_set} {target}: {state}", detail)
                return
            self._summed.append(stack_set)
            self._print(
                f"  {stack_set}: more than {SUMMARY_ABOVE} instances; failures below, "
                "totals per region at the end of the wave"
            )
        if state == "failed":
            self._print(f"  {stack_set} {target}: {state}", detail)

    def close(self) -> None:
        self._print_totals()
        self.stream.flush()

    def _print(self, text: str, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        print(f"{text}{suffix}", file=self.stream, flush=True)

    def _print_totals(self) -> None:
        for stack_set in self._summed:
            for region, counts in sorted(totals(self._rows, stack_set).items()):
                self._print(f"  {stack_set} {region}: {counts_text(counts)}")
        self._summed = []


class LiveProgress:
    """A table of every stack instance touched so far, redrawn in place."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live

        self._wave = 0
        self._rows: dict[tuple[str, Target], Row] = {}
        self._live = Live(
            self._table(), console=Console(file=stream), refresh_per_second=4, transient=False
        )
        self._live.start()

    def wave(self, number: int, stack_sets: Sequence[str]) -> None:
        self._wave = number

    def update(self, stack_set: str, target: Target, state: str, detail: str = "") -> None:
        self._rows[(stack_set, target)] = Row(self._wave, state, detail)
        self._live.update(self._table())

    def close(self) -> None:
        self._live.stop()

    def _table(self) -> Table:
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for column in ("wave", "StackSet", "account", "region", "state", ""):
            table.add_column(column)
        if len(self._rows) > SUMMARY_ABOVE:
            self._add_totals(table)
            return table
        for (stack_set, target), row in self._rows.items():
            table.add_row(
                str(row.wave),
                stack_set,
                target.account,
                target.region,
                f"[{STATE_STYLES.get(row.state, '')}]{row.state}[/]",
                row.detail,
            )
        return table

    def _add_totals(self, table: Table) -> None:
        """Many instances: one row per StackSet and region with its counts per state."""
        waves = {stack_set: row.wave for (stack_set, _), row in self._rows.items()}
        for stack_set, wave in waves.items():
            for region, counts in sorted(totals(self._rows, stack_set).items()):
                accounts = sum(counts.values())
                table.add_row(
                    str(wave), stack_set, f"{accounts} accounts", region, counts_text(counts), ""
                )


class ProgressDisplay:
    """`with ProgressDisplay(out) as progress:` picks the display for the stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._progress: Progress | None = None

    def __enter__(self) -> Progress:
        is_terminal = getattr(self.stream, "isatty", lambda: False)()
        self._progress = LiveProgress(self.stream) if is_terminal else LineProgress(self.stream)
        return self._progress

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.close()
