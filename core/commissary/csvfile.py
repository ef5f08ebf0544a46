"""Reading the CSV files people upload (locations, assignments, master catalog feeds).

One reader so that every import treats a file alike: UTF-8 with or without a byte-order
mark, a header row whose names are matched case-insensitively, unknown columns refused
(a typo in a header would otherwise drop a whole column silently), blank lines skipped,
and every row reported with its line in the file so that errors can name it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from commissary.errors import Invalid

MAX_ROWS = 200_000


def rows(
    text: str, required: tuple[str, ...], known: tuple[str, ...], *, max_rows: int = MAX_ROWS
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each non-blank data row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid(f"the header (line 1) lacks the column(s) {', '.join(missing)}")
    unknown = [c for c in header if c and c not in known]
    if unknown:
        raise Invalid(f"the header (line 1) has unknown column(s) {', '.join(unknown)}")
    reader.fieldnames = header
    for count, row in enumerate(reader, start=1):
        if count > max_rows:
            raise Invalid(f"a file holds at most {max_rows:,} rows; split it")
        clean = {k: (v or "").strip() for k, v in row.items() if k}
        if any(clean.values()):
            yield reader.line_num, clean


def count_rows(text: str) -> int:
    """Data rows in ``text`` (for a progress bar's total)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(text.lstrip("\ufeff")))) - 1, 0)
