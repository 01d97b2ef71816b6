"""A frame's rows as the Structs a page shows: the domain hands the web layer typed rows,
never a frame to take apart or a list of loose dicts (ARCHITECTURE.md, "Controllers")."""

from __future__ import annotations

from typing import TypeVar

import msgspec
import polars as pl

T = TypeVar("T", bound=msgspec.Struct)


def rows_of(frame: pl.DataFrame, shape: type[T]) -> list[T]:
    """Each row of `frame` as a `shape`; columns the Struct does not name are left out, and a
    column it names that the frame lacks is an error here rather than a blank on a page."""
    fields = [f for f in shape.__struct_fields__ if f in frame.columns]
    records = frame.select(fields).to_dicts()
    return msgspec.convert(records, list[shape])  # type: ignore[valid-type]
