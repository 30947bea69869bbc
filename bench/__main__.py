"""Run the benchmarks and print one table: ``python -m bench [--backend B] [module ...]``.

Each module is bench/<name>.py exposing ``run() -> list[tuple[str, str]]`` and measuring on
the backend named by ``BENCH_BACKEND``. By default every module runs on SQLite and on
PostgreSQL (the schedule's targets are SQLite figures, so it runs there only; the
institution runs on PostgreSQL behind nginx only).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

# Reports run before the check-in burst, which adds its own 300 residents to the database.
MODULES = ("feeds", "schedule", "reports", "attendance", "institution")
BACKENDS = ("sqlite", "postgresql")
SQLITE_ONLY = {"schedule"}
# The institution runs as deployed: PostgreSQL, Redis, two gunicorn instances, nginx.
POSTGRESQL_ONLY = {"institution"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("modules", nargs="*", help=f"default: {', '.join(MODULES)}")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    args = parser.parse_args(argv)
    unknown = [name for name in args.modules if name not in MODULES]
    if unknown:
        parser.error(f"unknown bench module(s): {', '.join(unknown)}")
    backends = BACKENDS if args.backend == "both" else (args.backend,)

    rows: list[tuple[str, str, str, str]] = []
    for backend in backends:
        os.environ["BENCH_BACKEND"] = backend
        for name in args.modules or MODULES:
            if backend != "sqlite" and name in SQLITE_ONLY:
                continue
            if backend != "postgresql" and name in POSTGRESQL_ONLY:
                continue
            module = importlib.import_module(f"bench.{name}")
            started = time.perf_counter()
            print(f"bench {name} ({backend})...", file=sys.stderr, flush=True)
            rows += [(backend, name, label, value) for label, value in module.run()]
            print(f"bench {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    print_table(rows)
    return 1 if any(value.endswith("FAIL") for *_, value in rows) else 0


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    if not rows:
        print("No benchmarks ran.")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    headers = ("backend", "module", "measure")
    widths = [max(w, len(h)) for w, h in zip(widths, headers, strict=True)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + "  result")
    print("  ".join("-" * w for w in widths) + "  " + "-" * 40)
    for backend, module, label, value in rows:
        cells = (backend, module, label)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {value}")


if __name__ == "__main__":
    sys.exit(main())
