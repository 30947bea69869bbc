"""Run the benchmarks and print one table: ``python -m bench [--backend B] [module ...]``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

# Each module is bench/<name>.py exposing run() -> list[tuple[str, str]]; missing ones are
# skipped (domains add theirs when they have something to measure).
MODULES = ("feeds", "schedule", "attendance", "reports")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("modules", nargs="*", help=f"default: {', '.join(MODULES)}")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("BENCH_BACKEND", "sqlite"),
    )
    args = parser.parse_args(argv)
    os.environ["BENCH_BACKEND"] = args.backend
    unknown = [name for name in args.modules if name not in MODULES]
    if unknown:
        parser.error(f"unknown bench module(s): {', '.join(unknown)}")

    rows: list[tuple[str, str, str]] = []
    for name in args.modules or MODULES:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"(no bench/{name}.py: skipped)", file=sys.stderr)
                continue
            raise
        started = time.perf_counter()
        print(f"bench {name} ({args.backend})...", file=sys.stderr, flush=True)
        rows += [(name, label, value) for label, value in module.run()]
        print(f"bench {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    print_table(rows, args.backend)
    return 1 if any(value.endswith("FAIL") for _, _, value in rows) else 0


def print_table(rows: list[tuple[str, str, str]], backend: str) -> None:
    if not rows:
        print("No benchmarks ran.")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    print(f"\nBenchmarks on {backend}")
    print(f"{'module':<{widths[0]}}  {'measure':<{widths[1]}}  result")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 40}")
    for module, label, value in rows:
        print(f"{module:<{widths[0]}}  {label:<{widths[1]}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
