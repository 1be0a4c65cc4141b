"""One transaction per use-case: committed by the use-case, rolled back when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import CursorResult, Executable

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def execute_dml(statement: Executable) -> CursorResult[Any]:
    """Run an INSERT, UPDATE or DELETE in the session; its result has `rowcount`.

    Session.execute is typed as returning Result, which has no `rowcount`; for a DML statement
    SQLAlchemy returns a CursorResult, which does (the cast states what the typing cannot).
    """
    return cast(CursorResult[Any], db.session.execute(statement))


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Roll back whatever the use-case added before it raised a DomainError.

    Use-cases validate as they go, so a refusal can come after rows were added to the session;
    without this, the caller's next commit (or a re-rendered form's autoflush) would save them.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            raise

    return wrapper
