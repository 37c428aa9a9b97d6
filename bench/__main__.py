"""`make bench`: run every benchmark and write bench/reports/report.{md,json}.

Each benchmark module exposes ``run(scale: float) -> tuple[list[Figure], list[str]]``.
``BENCH_SCALE`` (default 1.0) shrinks the data sets for a quick look; ``BENCH_ONLY``
(comma-separated names) runs a subset.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

from bench.report import BENCHES, Figure, print_figure, write_report


def main() -> int:
    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    only = [b for b in os.environ.get("BENCH_ONLY", "").split(",") if b]
    figures: list[Figure] = []
    notes: list[str] = []
    failed = False
    for name in BENCHES:
        if only and name not in only:
            continue
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            notes.append(f"{name}: not available ({exc.name})")
            continue
        print(f"== bench {name} (scale {scale}) ==", flush=True)
        try:
            figs, extra = module.run(scale)
        except Exception:
            traceback.print_exc()
            notes.append(f"{name}: failed, see the run's output")
            failed = True
            continue
        for fig in figs:
            print_figure(fig)
        figures += figs
        notes += [f"{name}: {n}" for n in extra]
    path = write_report(figures, notes, keep_others=bool(only))
    print(f"report written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
