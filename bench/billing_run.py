"""Benchmark: a monthly billing run over N usage events, against the bare floor.

    .venv/bin/python bench/billing_run.py --events 10000000 [--month 2026-10]
        [--workspaces 2000] [--memory-limit 4GB] [--workdir bench/out]

1. `billing generate` writes N usage events for one month (Parquet, a few gateway
   requests and calls, every bad-row kind) into a fresh landing folder;
2. (a) the pipeline: `billing ingest`, `billing build`, `billing finalize --period`
   (which ingests and builds again, freezes the month and rebuilds), each a separate
   process, timed, with its peak RSS (the sum over the process and the dbt processes
   it runs);
3. (b) the floor: one plain DuckDB query over the same landing files that
   de-duplicates by event_id, rates (row cost, else the rate book) and sums per
   (workspace, resource_type), in its own process with the same memory_limit.

It prints both wall times, their ratio and the peak RSS of each, and appends a row to
bench/results.md.
"""

from __future__ import annotations

import argparse
import calendar
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.md"

FLOOR_SQL = """
with usage_records as (
    select * from read_parquet({files}, union_by_name = true)
),
typed as (
    select event_id, workspace_id, resource_type, provider, model,
           try_cast(quantity as decimal(24, 6)) as quantity,
           try_cast(unit_cost as decimal(24, 12)) as unit_cost,
           try_cast(occurred_at as timestamptz) at time zone 'UTC' as occurred_at
    from usage_records
),
deduplicated as (
    select * from typed where quantity is not null and occurred_at is not null
    qualify row_number() over (partition by event_id) = 1
),
rates as (
    select provider, resource_type, nullif(model, '') as model, unit_cost,
           cast(effective_from as timestamp) as effective_from,
           cast(coalesce(effective_to, date '9999-12-31') as timestamp) as effective_to
    from read_csv('{seeds}/provider_rates.csv', all_varchar = false,
                  types = {{'unit_cost': 'decimal(24, 12)', 'model': 'varchar'}})
)
select d.workspace_id, d.resource_type, sum(d.quantity) as quantity,
       sum(d.quantity * coalesce(d.unit_cost, m.unit_cost, a.unit_cost)) as provider_cost
from deduplicated d
left join rates m on m.provider = d.provider and m.resource_type = d.resource_type
    and m.model = d.model and d.occurred_at >= m.effective_from and d.occurred_at < m.effective_to
left join rates a on a.provider = d.provider and a.resource_type = d.resource_type
    and a.model is null and d.occurred_at >= a.effective_from and d.occurred_at < a.effective_to
group by 1, 2
"""


def tree_rss_kib(root: int) -> int:
    """The resident memory (KiB) of process `root` and all its descendants, now."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields["PPid"])
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return sum(rss.get(pid, 0) for pid in tree)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command; its wall time in seconds and the peak RSS (MiB) of its process tree:
    the sum over the process and the processes it started (dbt), sampled every 0.1 s, or
    the peak of the largest one (getrusage) where that is higher."""
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=log)
        peak_kib, done = 0, threading.Event()

        def sample() -> None:
            nonlocal peak_kib
            while not done.wait(0.1):
                peak_kib = max(peak_kib, tree_rss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{log.read()[-3000:]}")
    return elapsed, max(peak_kib, usage.ru_maxrss) // 1024


def run_floor(landing: Path, memory_limit: str) -> None:
    """The floor: one DuckDB query from landing files to per-workspace sums."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("set TimeZone = 'UTC'")
    files = []
    for path in sorted((landing / "usage_records").rglob("*.parquet")):
        try:  # the landing folder holds one deliberately corrupt file; skip what can't be read
            con.execute("select count(*) from parquet_metadata(?)", [str(path)])
        except duckdb.Error:
            continue
        files.append(str(path))
    sql = FLOOR_SQL.format(files=files, seeds=ROOT / "seeds")
    print(len(con.execute(sql).fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--workspaces", type=int, default=2000)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--keep-landing", action="store_true",
                        help="reuse the landing folder of an earlier run with the same N")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        run_floor(args.floor, args.memory_limit)
        return

    first = date.fromisoformat(f"{args.month}-01")
    days = calendar.monthrange(first.year, first.month)[1]
    last = first + timedelta(days=days - 1)
    work = args.workdir / f"n{args.events}"
    landing = work / "landing"
    env = {
        **os.environ,
        "LANDING_DIR": str(landing),
        "WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "OUTBOX_DIR": str(work / "outbox"),
        "DUCKDB_MEMORY_LIMIT": args.memory_limit,
    }
    billing = str(BIN / "billing")
    for stale in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        (work / stale).unlink(missing_ok=True)
    subprocess.run(["rm", "-rf", str(work / "dagster_home")], check=True)

    if not (args.keep_landing and landing.exists()):
        subprocess.run(["rm", "-rf", str(landing)], check=True)
        generate_s, generate_mb = timed([
            billing, "generate", "--workspaces", str(args.workspaces), "--days", str(days),
            "--end-date", last.isoformat(), "--usage-events-per-day",
            str(-(-args.events // days)), "--calls-per-day", "1000",
            "--gateway-requests-per-day", "1000", "--formats", "parquet",
        ], env)
        print(f"generate: {generate_s:.1f} s, peak {generate_mb} MiB")

    as_of = (datetime.combine(last + timedelta(days=1), datetime.min.time())
             + timedelta(hours=2)).replace(tzinfo=UTC).isoformat()
    steps = {
        "ingest": [billing, "ingest"],
        "build": [billing, "build", "--as-of", as_of],
        "finalize": [billing, "finalize", "--period", args.month, "--as-of", as_of],
    }
    pipeline: dict[str, tuple[float, int]] = {}
    for name, command in steps.items():
        pipeline[name] = timed(command, env)
        print(f"pipeline {name}: {pipeline[name][0]:.1f} s, peak {pipeline[name][1]} MiB")
    pipeline_s = sum(s for s, _ in pipeline.values())
    pipeline_mb = max(mb for _, mb in pipeline.values())

    floor_s, floor_mb = timed([sys.executable, __file__, "--floor", str(landing),
                               "--memory-limit", args.memory_limit], env)
    print(f"floor: {floor_s:.1f} s, peak {floor_mb} MiB")
    ratio = pipeline_s / floor_s
    print(f"pipeline / floor = {ratio:.2f}x")

    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\n`bench/billing_run.py`; times in seconds, peak RSS in MiB.\n\n"
            "| date | events | memory_limit | ingest | build | finalize | pipeline | "
            "pipeline RSS | floor | floor RSS | ratio | machine |\n"
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        )
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {args.events:,} | {args.memory_limit} | "
        f"{pipeline['ingest'][0]:.1f} | {pipeline['build'][0]:.1f} | "
        f"{pipeline['finalize'][0]:.1f} | {pipeline_s:.1f} | {pipeline_mb} | "
        f"{floor_s:.1f} | {floor_mb} | {ratio:.2f} | {machine} |"
    )
    # after the last row of the first table (the file holds other benchmarks' sections)
    lines = RESULTS.read_text().rstrip("\n").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("| ---"))
    while at + 1 < len(lines) and lines[at + 1].startswith("| "):
        at += 1
    lines.insert(at + 1, row)
    RESULTS.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
