"""What an import did (or, in a dry run, would do): counts per kind and why things were left."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from statuspage.migration.links import CREATE, UNCHANGED, UPDATE

# The kinds, in the order the report lists them.
KINDS = ("groups", "components", "incidents", "maintenances", "updates", "templates",
         "subscribers")


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Not imported: refused (an address this page cannot reach...) or of a kind we do not take.
    skipped: int = 0

    def add(self, verdict: str, count: int = 1) -> None:
        if verdict == CREATE:
            self.created += count
        elif verdict == UPDATE:
            self.updated += count
        elif verdict == UNCHANGED:
            self.unchanged += count
        else:
            self.skipped += count


@dataclass
class Report:
    page_id: str
    page_name: str
    mode: str
    dry_run: bool
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    # (kind, reason) -> how many objects were skipped for it.
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Subscribers found already subscribed here (linked, their consent left as it was).
    matched_subscribers: int = 0
    # Incidents whose Statuspage id could not be kept: their old permalink redirects.
    redirected: int = 0
    requests: int = 0
    waits: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def tally(self, kind: str) -> Tally:
        return self.tallies[kind]

    def skip(self, kind: str, reason: str) -> None:
        self.tallies[kind].skipped += 1
        self.reasons[(kind, reason)] += 1

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        would = self.dry_run
        source = "Manage API" if self.mode == "manage" else "public API, no key"
        out = [f"Statuspage page {self.page_id} ({self.page_name}), read from its {source}: "
               f"{self.requests} requests, {len(self.waits)} waits for rate limiting or "
               "retries.",
               f"{'':14}{'new':>8}{'updated':>9}{'unchanged':>11}{'skipped':>9}"]
        for kind in KINDS:
            t = self.tallies[kind]
            out.append(f"{kind:14}{t.created:>8}{t.updated:>9}{t.unchanged:>11}{t.skipped:>9}")
        if self.matched_subscribers:
            out.append(f"{self.matched_subscribers} of the subscribers are already subscribed "
                       f"here: {'they would keep' if would else 'they kept'} their own "
                       "consent record.")
        if self.redirected:
            out.append(f"{self.redirected} incidents {'would get' if would else 'got'} a new "
                       "id (theirs could not be kept): /incidents/<Statuspage id> redirects "
                       "to it.")
        for (kind, reason), count in sorted(self.reasons.items()):
            out.append(f"Skipped {count} {kind}: {reason}")
        out.append("Dry run: nothing was written." if self.dry_run
                   else "Nothing was sent to anyone.")
        out.append(f"Took {self.seconds:.1f} s.")
        return out
