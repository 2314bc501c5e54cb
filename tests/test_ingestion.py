"""Landing files are loaded once, in one transaction each, whatever happens."""

from __future__ import annotations

import os

from tests.conftest import Pipeline, usage, workspace

RAW_TABLES = ["_files", "workspaces", "agents", "usage_records", "gateway_requests", "calls"]


def _raw_counts(pipeline: Pipeline) -> dict[str, int]:
    return {t: pipeline.scalar(f"select count(*) from raw.{t}") for t in RAW_TABLES}


def test_ingesting_twice_changes_no_row_count(pipeline: Pipeline):
    pipeline.write("workspaces", "2026-10-01/ws.csv", [workspace("ws_a"), workspace("ws_b")])
    pipeline.write("usage_records", "2026-10-05/part-0001.jsonl",
                   [usage("e1"), usage("e2"), usage("e3")])
    pipeline.write("usage_records", "2026-10-06/part-0001.parquet", [usage("e4")])
    pipeline.write_text("usage_records", "2026-10-06/part-0002.parquet", "not parquet")

    pipeline.run("ingest")
    first = _raw_counts(pipeline)
    pipeline.run("ingest")

    assert _raw_counts(pipeline) == first
    assert first == {"_files": 4, "workspaces": 2, "agents": 0, "usage_records": 4,
                     "gateway_requests": 0, "calls": 0}
    assert pipeline.query(
        "select path, status, rows_loaded from raw._files order by path"
    ) == [
        ("usage_records/2026-10-05/part-0001.jsonl", "loaded", 3),
        ("usage_records/2026-10-06/part-0001.parquet", "loaded", 1),
        ("usage_records/2026-10-06/part-0002.parquet", "failed", 0),
        ("workspaces/2026-10-01/ws.csv", "loaded", 2),
    ]


def test_new_file_is_loaded_on_the_next_run(pipeline: Pipeline):
    pipeline.write("usage_records", "a.jsonl", [usage("e1")])
    pipeline.run("ingest")
    pipeline.write("usage_records", "b.csv", [usage("e2"), usage("e3")])
    pipeline.run("ingest")
    assert pipeline.query(
        "select f.path, count(u.event_id) from raw._files f "
        "left join raw.usage_records u on u._file_id = f.file_id group by 1 order by 1"
    ) == [("usage_records/a.jsonl", 1), ("usage_records/b.csv", 2)]


def test_rewritten_file_is_loaded_again_and_its_events_count_once(pipeline: Pipeline):
    pipeline.write("workspaces", "ws.csv", [workspace("ws_a")])
    path = pipeline.write("usage_records", "a.jsonl", [usage("e1")])
    pipeline.run("ingest")
    pipeline.write("usage_records", "a.jsonl", [usage("e1"), usage("e2")])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    pipeline.run("ingest")
    pipeline.run("build", "--as-of", "2026-10-20T00:00:00Z")

    assert pipeline.scalar("select count(*) from raw.usage_records") == 3
    assert pipeline.query(
        "select event_id from intermediate.int_usage_records_deduplicated order by 1"
    ) == [("e1",), ("e2",)]
    assert pipeline.query(
        "select rows_read, rows_accepted, rows_quarantined, duplicates_removed "
        "from marts.ingestion_row_counts where source_name = 'usage_records'"
    ) == [(3, 2, 0, 1)]


def test_unlisted_columns_are_kept_in_the_raw_layer(pipeline: Pipeline):
    pipeline.write("usage_records", "a.csv", [usage("e1", region_hint="eu-west")])
    pipeline.write("usage_records", "b.jsonl", [usage("e2", trace={"span": 7})])
    pipeline.run("ingest")
    extras = dict(pipeline.query("select event_id, _extra from raw.usage_records"))
    assert extras["e1"] == '{"region_hint":"eu-west"}'
    assert '"trace": {"span": 7}' in extras["e2"]


def test_timestamps_with_offsets_are_normalised_to_utc(pipeline: Pipeline):
    pipeline.write("workspaces", "ws.csv", [workspace("ws_a")])
    pipeline.write("usage_records", "a.jsonl", [
        usage("e_offset", occurred_at="2026-10-05T23:30:00-02:00"),
        usage("e_naive", occurred_at="2026-10-05 23:30:00"),
        usage("e_zulu", occurred_at="2026-10-05T23:30:00Z"),
    ])
    pipeline.run("ingest")
    pipeline.run("build", "--as-of", "2026-10-20T00:00:00Z")
    rows = pipeline.query(
        "select event_id, cast(occurred_at as varchar) "
        "from intermediate.int_usage_records_deduplicated order by 1"
    )
    assert rows == [
        ("e_naive", "2026-10-05 23:30:00"),
        ("e_offset", "2026-10-06 01:30:00"),
        ("e_zulu", "2026-10-05 23:30:00"),
    ]
