"""In-process database faults for the delivery tests: statements that fail as a lost connection.

`failing(app, pattern, times)` makes every SQL statement matching `pattern` (a regex on the
statement with its whitespace collapsed) raise the OperationalError a dropped PostgreSQL
connection raises, `times` times (None: until the block ends). The real processes, with a real
cut connection, are in tests/faults/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from statuspage.core.extensions import db


@dataclass
class Fault:
    pattern: re.Pattern[str]
    left: int | None
    raised: int = 0
    on: bool = True

    def heal(self) -> None:
        self.on = False


@contextmanager
def failing(pattern: str, times: int | None = None) -> Iterator[Fault]:
    """Statements matching `pattern` fail (`times` times, or until healed) inside the block."""
    fault = Fault(re.compile(pattern), times)

    def check(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not fault.on or not fault.pattern.search(" ".join(statement.split())):
            return
        if fault.left is not None:
            if fault.left <= 0:
                return
            fault.left -= 1
        fault.raised += 1
        raise OperationalError(statement, {}, Exception(
            "server closed the connection unexpectedly"))

    event.listen(db.engine, "before_cursor_execute", check)
    try:
        yield fault
    finally:
        event.remove(db.engine, "before_cursor_execute", check)
