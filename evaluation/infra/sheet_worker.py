"""The child process `spreadsheets.parse_in_child` runs: limit its own memory and CPU time,
parse the workbook on stdin with calamine, write its first sheet to stdout as Arrow IPC.

Exit status: 0 parsed; 2 not a readable workbook (message on stderr); anything else —
including death by SIGABRT when the parser cannot allocate — means it gave up."""

from __future__ import annotations

import io
import resource
import sys


def main() -> int:
    memory, seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    import polars as pl  # after the limits: nothing below runs without them

    content = sys.stdin.buffer.read()
    try:
        frame = pl.read_excel(io.BytesIO(content), engine="calamine", infer_schema_length=0)
    except MemoryError:
        return 3
    except Exception as exc:  # calamine and fastexcel raise many kinds for unreadable files
        sys.stderr.write(str(exc)[:500])
        return 2
    frame = frame.select(pl.all().cast(pl.String))
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    sys.stdout.buffer.write(buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
