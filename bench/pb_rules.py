"""Time our participatory-budgeting rules against pabutools on the largest Pabulib approval files.

    .venv/bin/python bench/pb_rules.py                  # 3 largest files, all rules, with pabutools
    .venv/bin/python bench/pb_rules.py --top 1 --rules greedy,mes
    .venv/bin/python bench/pb_rules.py --no-pabutools   # ours only (pabutools not installed)

Prints a Markdown table of CPU seconds (``time.process_time``, steadier than wall time on a shared
machine): ours is the best of ``--repeat`` runs, pabutools a single run (its MES completion takes
minutes on the largest file).  "same" says whether both selected the same set of projects.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cocreate.decisions.rules.pabulib import read_pb  # noqa: E402
from cocreate.decisions.rules.pb import equal_shares, equal_shares_completed, greedy_approval  # noqa: E402
from cocreate.decisions.rules.reference import pabutools_outcome  # noqa: E402

OURS = {"greedy": greedy_approval, "mes": equal_shares, "mes-complete": equal_shares_completed}


def pabutools_rule(rule: str, path: Path) -> tuple[set[str], float]:
    started = time.process_time()
    outcome = pabutools_outcome(rule, str(path))
    return outcome, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "pabulib")
    parser.add_argument("--top", type=int, default=3, help="how many of the largest approval files")
    parser.add_argument("--rules", default=",".join(OURS), help="comma-separated: " + ", ".join(OURS))
    parser.add_argument("--repeat", type=int, default=3, help="runs of our rules (best is kept)")
    parser.add_argument("--no-pabutools", action="store_true", help="time our rules only")
    args = parser.parse_args()

    rules = [r.strip() for r in args.rules.split(",") if r.strip()]
    unknown = set(rules) - OURS.keys()
    if unknown:
        parser.error(f"unknown rule(s): {', '.join(sorted(unknown))}")
    files = []
    for path in sorted(args.data.glob("*.pb"), key=lambda p: p.stat().st_size, reverse=True):
        try:
            files.append((path, read_pb(path)))
        except ValueError:
            continue  # not an approval election: read_pb refuses it
        if len(files) == args.top:
            break
    if not files:
        sys.exit(f"no approval .pb files in {args.data}")

    print("| instance | projects | voters | rule | ours (s) | pabutools (s) | speed-up | same |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | :---: |")
    for path, inst in files:
        for rule in rules:
            best = float("inf")
            for _ in range(args.repeat):
                started = time.process_time()
                ours = OURS[rule](inst.budget, inst.projects, inst.ballots)
                best = min(best, time.process_time() - started)
            theirs_cell = speedup = same = "–"
            if not args.no_pabutools:
                theirs, seconds = pabutools_rule(rule, path)
                theirs_cell, speedup = f"{seconds:.2f}", f"{seconds / max(best, 1e-6):.0f}×"
                same = "yes" if set(ours) == theirs else "**NO**"
            print(
                f"| {path.stem} | {len(inst.projects)} | {len(inst.ballots)} | {rule} | {best:.3f} "
                f"| {theirs_cell} | {speedup} | {same} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
