"""One module per capability: what it adds to the county data set and the scenarios it is
measured by. A new capability (needs, meetings, ballots, projects…) adds a module here and
its name to MODULES, and takes its scenarios off PLANNED.

A module provides:

- ``NAME`` and ``available() -> bool`` (run inside Django: is the app there yet?);
- ``generate(scale) -> dict`` (inside Django): build or reuse its share of the data set for
  ``scale`` (a ``Scale``), return ``{"seconds": float, "reused": bool, ...}``;
- ``fixtures(scale, sessions) -> dict`` (inside Django): pick the rows its scenarios read and
  mint the sessions they need through ``sessions`` (bench.prepare.SessionMinter); the result
  must be JSON;
- ``scenarios(targets) -> list[bench.loadgen.Scenario]`` (outside Django, in bench/run.py):
  the requests to replay, built from ``fixtures``' result.

Modules run in MODULES order, so a later capability can build on the earlier ones' rows
(needs on households, meetings on needs, ballots on meetings, projects on ballots).
"""

import importlib
from dataclasses import asdict, dataclass

MODULES = ["orgs", "needs", "meetings", "ballots", "projects", "api"]

# Scenarios of capabilities that do not exist yet; reported as "not yet available".
PLANNED: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Scale:
    """The county to build. Each capability derives its share from it (e.g. needs per
    household), so the same --households flag scales everything."""

    households: int
    communities: int
    grids_per_community: int
    users: int  # concurrent virtual users: one session each

    def as_dict(self) -> dict:
        return asdict(self)


def load(names: list[str] | None = None) -> list:
    return [importlib.import_module(f"{__name__}.{name}") for name in (names or MODULES)]


def planned() -> list[tuple[str, str]]:
    return [(capability, title) for capability, titles in PLANNED.items() for title in titles]
