"""How an import reports progress: the CLI draws bars, tests and dry runs may show nothing."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """One stage at a time: `begin` it (its total when known), `advance`, then `end`."""

    def begin(self, label: str, total: int | None = None) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def end(self) -> None: ...


class Silent:
    """Progress that shows nothing."""

    def begin(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def end(self) -> None:
        pass
