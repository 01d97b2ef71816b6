"""A progress bar for long CLI work, on stderr so output stays pipeable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def steps(title: str, total: int) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        progress.add_task(title, total=total)
        yield progress


def advance(progress: Progress, description: str, amount: int = 1) -> None:
    """A finished step: its line printed above the bar (however long it is, the bar keeps
    its width on an 80-column terminal), the bar moved on."""
    progress.console.print(description)
    progress.update(progress.tasks[0].id, advance=amount)
