"""Benchmark: does a daily run cost the same after six months of history as on day one?

    .venv/bin/python bench/incremental_run.py [--events-per-month 3000000]
        [--workspaces 500] [--memory-limit 4GB] [--workdir bench/out]

1. `billing generate` writes six months of landing data (2026-05 to 2026-10, N usage
   events a month, gateway requests and calls beside them, every bad-row kind,
   re-deliveries and late rows) into a staging folder, one sub-folder per day;
2. early: the first day's files are moved into the landing folder and ingested and
   built; then the second day's arrive and (a) the daily run (`billing backfill` of that
   one day: the day's partition of `daily_pipeline_job`, ingested, built as of the day's
   end, published) and (b) the hourly limit check (`billing check-limits`, which
   ingests, builds and publishes too, then raises the alerts) are timed;
3. late: every day up to 2026-10-29 is moved in, ingested and built; then 2026-10-30
   arrives and the same two runs are timed.

Each point is measured `--repeat` times (3 by default) from the same state (the
warehouse, the published copy and the Dagster home are copied before the first run and
put back before each repetition): one run on this machine moves by 10-15 %, as much as
the margin the goal leaves. It prints every time, the medians and the ratios of the
medians late / early (the goal: at most 1.2) and appends the medians to
bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from billing_run import BIN, RESULTS, ROOT, timed

FIRST_DAY = date(2026, 5, 1)
LAST_DAY = date(2026, 10, 31)
LATE_DAY = date(2026, 10, 30)


def arrive(staged: Path, landing: Path, through: date) -> int:
    """Move every staged day folder up to `through` (and the files outside day folders)
    into the landing folder, as the upstream systems would deliver them; the count."""
    moved = 0
    for source in sorted(p for p in staged.iterdir() if p.is_dir()):
        for item in sorted(source.iterdir()):
            if item.is_dir() and date.fromisoformat(item.name) > through:
                continue
            target = landing / source.name / item.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(item, target)
            moved += 1
    return moved


def end_of(day: date) -> str:
    return datetime.combine(day, datetime.max.time().replace(microsecond=0)).replace(
        tzinfo=UTC).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-month", type=int, default=3_000_000)
    parser.add_argument("--workspaces", type=int, default=500)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per point, from the same state; the median counts")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder (warehouse, landing, logs) afterwards")
    args = parser.parse_args()

    work = args.workdir / f"incremental-{args.events_per_month}"
    shutil.rmtree(work, ignore_errors=True)
    staged, landing = work / "staged", work / "landing"
    landing.mkdir(parents=True)
    env = {
        **os.environ,
        "LANDING_DIR": str(staged),
        "WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "PUBLISHED_WAREHOUSE_PATH": str(work / "published" / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "OUTBOX_DIR": str(work / "outbox"),
        "REPORTS_DIR": str(work / "reports"),
        "LOG_DIR": str(work / "logs"),
        "DUCKDB_MEMORY_LIMIT": args.memory_limit,
    }
    billing = str(BIN / "billing")
    days = (LAST_DAY - FIRST_DAY).days + 1
    per_day = -(-args.events_per_month * 6 // days)
    seconds, _ = timed([
        billing, "generate", "--workspaces", str(args.workspaces), "--days", str(days),
        "--end-date", LAST_DAY.isoformat(), "--usage-events-per-day", str(per_day),
        "--calls-per-day", str(max(per_day // 10, 1)),
        "--gateway-requests-per-day", str(max(per_day // 5, 1)),
    ], env)
    print(f"generate: {seconds:.1f} s")
    env["LANDING_DIR"] = str(landing)

    state = [work / name for name in (
        "warehouse.duckdb", "warehouse.duckdb.wal", "published", "dagster_home")]
    saved = work / "saved"

    def copy(source: Path, target: Path) -> None:
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            shutil.copy2(source, target)

    def put_back() -> None:
        for path in state:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            copy(saved / path.name, path)

    def runs(day: date) -> dict[str, float]:
        """Bring in `day`, then time the daily run and the hourly check after it, each
        `--repeat` times from the same state; the medians."""
        arrive(staged, landing, day)
        shutil.rmtree(saved, ignore_errors=True)
        saved.mkdir()
        for path in state:
            copy(path, saved / path.name)
        times: dict[str, list[float]] = {"daily": [], "hourly": []}
        for repetition in range(args.repeat):
            if repetition:
                put_back()
            # the 00:00 run of the day: its partition, ingested, built as of its end,
            # published
            daily, _ = timed([billing, "backfill", "--from", day.isoformat(),
                              "--to", day.isoformat()], env)
            check, _ = timed([billing, "check-limits", "--as-of", end_of(day)], env)
            times["daily"].append(daily)
            times["hourly"].append(check)
        shutil.rmtree(saved)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"{day}: daily run {medians['daily']:.1f} s "
              f"({', '.join(f'{t:.1f}' for t in times['daily'])}), "
              f"hourly check {medians['hourly']:.1f} s "
              f"({', '.join(f'{t:.1f}' for t in times['hourly'])})")
        return medians

    def settle(through: date) -> None:
        arrive(staged, landing, through)
        for command in ([billing, "ingest"], [billing, "build", "--as-of", end_of(through)]):
            seconds, _ = timed(command, env)
            print(f"  history through {through}: {command[1]} {seconds:.1f} s")

    settle(FIRST_DAY)
    early = runs(FIRST_DAY + timedelta(days=1))
    settle(LATE_DAY - timedelta(days=1))
    late = runs(LATE_DAY)
    ratios = {name: late[name] / early[name] for name in early}
    print(f"late / early: daily run {ratios['daily']:.2f}, hourly check {ratios['hourly']:.2f}"
          " (goal: at most 1.2)")

    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    header = "## Incremental runs (`bench/incremental_run.py`)"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if header not in text:
        text += (
            f"\n{header}\n\nA daily run (ingest + build + publish) and the hourly limit "
            "check after one more day of files, on day 2 of the first month and on day 30 "
            "of the sixth; seconds.\n\n| date | events / month | workspaces | daily early "
            "| daily late | ratio | hourly early | hourly late | ratio | machine |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        )
    # the new row goes after the last row of this section's table
    lines = text.rstrip("\n").split("\n")
    at = lines.index(header) + 1
    while not lines[at].startswith("| ---"):
        at += 1
    while at + 1 < len(lines) and lines[at + 1].startswith("| "):
        at += 1
    at += 1
    lines.insert(at, (
        f"| {datetime.now(UTC):%Y-%m-%d} | {args.events_per_month:,} | {args.workspaces} | "
        f"{early['daily']:.1f} | {late['daily']:.1f} | {ratios['daily']:.2f} | "
        f"{early['hourly']:.1f} | {late['hourly']:.1f} | {ratios['hourly']:.2f} | {machine} |"
    ))
    RESULTS.write_text("\n".join(lines) + "\n")
    slowest(work / "logs" / "billing.log")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=True)


def slowest(log: Path, count: int = 15) -> None:
    """The dbt nodes that took longest in the last run the log holds (the late hourly
    check): where a run's time goes."""
    text = log.read_text(errors="replace")
    last = text[text.rfind("Running dbt command"):]
    # dbt's lines: "12 of 263 OK created sql table model marts.x ..... [OK in 1.23s]", and
    # for a name too long for the dots "12 of 263 PASS unique_combination_of_…  [PASS in 1.23s]"
    node = re.compile(r"\d+ of \d+ (?:OK|PASS)\b.*? (\S+) (?:\.+ | )\[.*? in (\d+\.\d+)s\]")
    timed_nodes = [m.groups() for m in map(node.search, last.splitlines()) if m]
    stamps = re.findall(r"^(\S+ \S+) \+0000 .*?(?:Running|Finished) dbt command", last, re.M)
    if len(stamps) == 2:
        started, finished = (datetime.fromisoformat(t) for t in stamps)
        print(f"its dbt build: {(finished - started).total_seconds():.1f} s")
    print("slowest dbt nodes of the last run:")
    for name, seconds in sorted(timed_nodes, key=lambda n: -float(n[1]))[:count]:
        print(f"  {float(seconds):6.2f} s  {name}")


if __name__ == "__main__":
    main()
