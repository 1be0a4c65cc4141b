"""One transaction per use-case: committed by the use-case, rolled back when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from statuspage.errors import DomainError
from statuspage.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


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
