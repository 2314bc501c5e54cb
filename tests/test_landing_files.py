"""Landing file variants: a JSONL line too long to load, byte-order marks, CRLF, unicode
and upper-case file names, CSV headers, typed Parquet, odd values. Every row lands once:
accepted with its exact values or quarantined with its reason, and rows are conserved."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.defs.ingestion.assets import conservation_checks
from dagster_project.lib.landing import MAX_LINE_BYTES, count_long_lines
from tests.conftest import Pipeline, make_pipeline, usage, workspace

AS_OF = "2026-10-20T00:00:00Z"
USAGE_COLUMNS = ["event_id", "workspace_id", "resource_type", "provider", "quantity",
                 "unit_cost", "occurred_at"]
TOO_LONG_DETAIL = f"line is longer than {MAX_LINE_BYTES} bytes"


def _json_line(event_id: str, **overrides: object) -> str:
    return json.dumps(usage(event_id, **overrides))


def _long_line(event_id: str, size: int) -> str:
    """A JSON object of about `size` bytes."""
    return json.dumps({"event_id": event_id, "workspace_id": "ws_a", "note": "x" * size})


def _csv(rows: list[list[str]], newline: str = "\r\n") -> str:
    return "".join(",".join(row) + newline for row in rows)


def _write_bytes(p: Pipeline, source: str, name: str, data: bytes) -> Path:
    path = p.landing_dir / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _write_parquet(p: Pipeline, source: str, name: str, select_sql: str) -> None:
    path = p.landing_dir / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")


def _write_upper_case(p: Pipeline, name: str, rows: list[dict[str, object]]) -> None:
    """Pipeline.write picks the format from a lower-case suffix: write, then rename."""
    lower = p.write("usage_records", f"upper/{name.lower()}", rows)
    lower.rename(lower.with_name(name))


def _write_variants(p: Pipeline) -> None:
    p.write("workspaces", "ws.csv", [workspace("ws_a")])

    # a JSONL line too long to load, between two good lines
    p.write_text("usage_records", "long_line/part-0001.jsonl", "\n".join([
        _json_line("long_1", quantity="1.5"),
        _long_line("long_2", 5_000_000),
        _json_line("long_3", quantity="3"),
    ]) + "\n")
    # CRLF; line 2 is read and cut in SQL, line 3 blank, lines 4 and 5 rejected by the reader
    p.write_text("usage_records", "long_lines_mixed/part-0001.jsonl", "\r\n".join([
        _json_line("mixed_1"),
        _long_line("mixed_2", 1_500_000),
        "",
        _long_line("mixed_4", 3_000_000),
        _long_line("mixed_5", 3_000_000),
        _json_line("mixed_6"),
    ]) + "\r\n")
    _write_bytes(p, "usage_records", "long_line_bad_encoding/part-0001.jsonl", (
        _json_line("enc_1") + "\n" + _long_line("enc_2", 5_000_000) + "\n"
    ).encode() + b'{"event_id": "enc_\xff"}\n')
    # longer than the reader's 32 MB buffer: the reader skips it without a reject
    p.write_text("usage_records", "lost_long_line/part-0001.jsonl", "\n".join([
        _json_line("lost_1"), _long_line("lost_2", 40_000_000), _json_line("lost_3"),
    ]) + "\n")
    # the CSV reader returns the rows before such a last line, without an error
    p.write_text("usage_records", "csv_long_line/part-0001.csv", _csv([
        USAGE_COLUMNS,
        ["csvlong_1", "ws_a", "call_minutes", "twilio", "1", "", "2026-10-05T10:00:00Z"],
        ["csvlong_2", "ws_a", "call_minutes", "twilio", "1", "", "x" * 40_000_000],
    ]))

    # byte-order marks
    p.write_text("usage_records", "bom/part-0001.csv", "\ufeff" + _csv([
        USAGE_COLUMNS,
        ["bom_csv_1", "ws_a", "call_minutes", "twilio", "1", "", "2026-10-05T10:00:00Z"],
        ["bom_csv_2", "ws_a", "call_minutes", "twilio", "2", "", "2026-10-05T10:00:00Z"],
    ]))
    p.write_text("usage_records", "bom/part-0002.jsonl", "\ufeff" + "\n".join([
        _json_line("bom_jsonl_1", quantity="3"), _json_line("bom_jsonl_2", quantity="4"),
    ]) + "\n")

    # CRLF line endings, a blank line and a broken line among them
    _write_bytes(p, "usage_records", "crlf/part-0001.jsonl", "\r\n".join([
        _json_line("crlf_jsonl_1", quantity="5"),
        "",
        _json_line("crlf_jsonl_3", quantity="6"),
        '{"event_id": "crlf_bad"',
    ]).encode() + b"\r\n")
    _write_bytes(p, "usage_records", "crlf/part-0002.csv", _csv([
        USAGE_COLUMNS,
        ["crlf_csv_1", "ws_a", "call_minutes", "twilio", "7", "", "2026-10-05T10:00:00Z"],
        ["crlf_csv_2", "ws_a", "call_minutes", "twilio", "8", "", "2026-10-05T10:00:00Z"],
    ]).encode())

    # unicode and upper-case file names
    p.write("usage_records", "données/événements-ü.jsonl", [
        usage("uni_1"), usage("uni_2", resource_type="fax_pages"),
    ])
    p.write("usage_records", "données/使用量.csv", [usage("uni_3")])
    _write_upper_case(p, "PART-0001.CSV", [usage("upper_csv")])
    _write_upper_case(p, "PART-0002.JSONL", [usage("upper_jsonl")])
    _write_upper_case(p, "PART-0003.PARQUET", [usage("upper_parquet")])

    # CSV headers
    p.write_text("usage_records", "header_only/part-0001.csv", _csv([USAGE_COLUMNS]))
    p.write_text("usage_records", "no_optional_columns/part-0001.csv", _csv([
        ["event_id", "workspace_id", "resource_type", "provider", "quantity", "occurred_at"],
        ["opt_1", "ws_a", "call_minutes", "twilio", "10", "2026-10-05T10:00:00Z"],
    ]))
    p.write_text("usage_records", "no_quantity_column/part-0001.csv", _csv([
        ["event_id", "workspace_id", "resource_type", "provider", "occurred_at"],
        ["noqty_1", "ws_a", "call_minutes", "twilio", "2026-10-05T10:00:00Z"],
        ["noqty_2", "ws_a", "call_minutes", "twilio", "2026-10-05T10:00:00Z"],
    ]))

    # Parquet with typed columns
    _write_parquet(p, "usage_records", "typed/part-0001.parquet", """
        select * from (values
            ('typed_1', 'ws_a', 'call_minutes', 'twilio', 2.5::double, 0.0125::decimal(10, 4),
             timestamp '2026-10-05 10:00:00'),
            ('typed_2', 'ws_a', 'call_minutes', 'twilio', 0.1::double, null::decimal(10, 4),
             timestamp '2026-10-06 11:30:00.250000')
        ) as t(event_id, workspace_id, resource_type, provider, quantity, unit_cost, occurred_at)
    """)
    _write_parquet(p, "usage_records", "typed/part-0002.parquet", """
        select 'typed_3' as event_id, 'ws_a' as workspace_id, 'call_minutes' as resource_type,
               'twilio' as provider, 7::bigint as quantity, 0.02::double as unit_cost,
               timestamptz '2026-10-05 12:00:00+02' as occurred_at, {'k': 1} as meta
    """)
    _write_parquet(p, "gateway_requests", "typed/part-0001.parquet", """
        select * from (values
            ('gw_typed_1', 'ws_a', 'openai', 'gpt-4o-mini', 'chat', 1000::integer, 200::bigint,
             0.0015::double, timestamp '2026-10-05 10:00:00'),
            ('gw_typed_2', 'ws_a', 'openai', 'gpt-4o-mini', 'chat', 3000::integer, 0::bigint,
             null::double, timestamp '2026-10-05 11:00:00')
        ) as t(request_id, organization_id, provider, model, request_type, input_tokens,
               output_tokens, actual_cost, occurred_at)
    """)
    _write_parquet(p, "workspaces", "typed/part-0001.parquet", """
        select 'ws_typed' as workspace_id, 'Typed' as name, 'active' as status,
               'business' as plan_id, 'billing@typed.example' as billing_email,
               'DE' as country, null::varchar as region,
               timestamptz '2026-02-01 01:00:00+01' as created_at,
               null::timestamp as cancelled_at, 12.5::double as markup_percentage,
               250.00::decimal(10, 2) as usage_limit_monthly,
               75::integer as alert_threshold_percentage, true as auto_pause_on_limit,
               timestamp '2026-10-01 00:00:00' as snapshot_at
    """)

    # odd timestamps and numbers
    p.write("usage_records", "odd_timestamps/part-0001.jsonl", [
        usage(event_id, occurred_at=text) for event_id, text, _utc in ODD_TIMESTAMPS
    ])
    p.write("usage_records", "odd_numbers/part-0001.csv", [
        usage(event_id, quantity=quantity, unit_cost=unit_cost)
        for event_id, quantity, unit_cost, _q, _c in ODD_NUMBERS
    ])
    # JSON numbers, not strings, written as delivered (json.dumps would turn 1e3 into 1000.0)
    p.write_text("usage_records", "odd_numbers/part-0002.jsonl", "".join(
        json.dumps({k: v for k, v in usage(event_id).items() if k != "quantity"})[:-1]
        + f', "quantity": {number}}}\n'
        for event_id, number, _q in JSON_NUMBERS
    ))
    p.write("usage_records", "negative_unit_cost/part-0001.csv", [
        usage("neg_cost_good", unit_cost="0.01"), usage("neg_cost", unit_cost="-0.01"),
    ])

    p.write("workspaces", "missing_created_at/ws.csv", [
        workspace("ws_ok"), workspace("ws_no_created", created_at=None),
    ])


# (event_id, occurred_at as delivered, UTC it means; None = invalid_timestamp)
ODD_TIMESTAMPS = [
    ("ts_fraction_offset", "2026-10-05T10:00:00.123456+05:30", "2026-10-05 04:30:00.123456"),
    ("ts_compact_offset", "2026-10-05T10:00:00+0530", "2026-10-05 04:30:00"),
    ("ts_hour_offset", "2026-10-05T10:00:00-08", "2026-10-05 18:00:00"),
    ("ts_no_seconds", "2026-10-05 10:00", "2026-10-05 10:00:00"),
    ("ts_date_only", "2026-10-05", "2026-10-05 00:00:00"),
    ("ts_padded", " 2026-10-05T10:00:00Z ", "2026-10-05 10:00:00"),
    ("ts_month_13", "2026-13-01T00:00:00Z", None),
    ("ts_february_30", "2026-02-30T00:00:00Z", None),
    ("ts_epoch_seconds", "1759658400", None),
]
# (event_id, quantity, unit_cost as delivered, quantity and unit_cost read; None = invalid_number)
ODD_NUMBERS = [
    ("num_padded", " 2.5 ", None, D("2.5"), D("0.014")),
    ("num_exponent", "1e3", None, D("1000"), D("0.014")),
    ("num_plus_sign", "+4", None, D("4"), D("0.014")),
    ("num_leading_dot", ".5", None, D("0.5"), D("0.014")),
    ("num_negative_zero", "-0", None, D("0"), D("0.014")),
    ("num_leading_zeros", "00012.50", None, D("12.5"), D("0.014")),
    ("num_tiny_unit_cost", "1", "0.0000001", D("1"), D("0.0000001")),
    ("num_nan", "NaN", None, None, None),
    ("num_hex", "0x10", None, None, None),
    ("num_infinity", "Infinity", None, None, None),
]
JSON_NUMBERS = [
    ("num_json_exponent", "1e3", D("1000")),
    ("num_json_fraction", "0.1", D("0.1")),
    ("num_json_integer", "7", D("7")),
]


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    with pytest.MonkeyPatch.context() as monkeypatch:
        p = make_pipeline(tmp_path_factory.mktemp("landing_files"), monkeypatch)
        _write_variants(p)
        p.run("ingest")
        p.run("build", "--as-of", AS_OF)
        yield p


def _accepted(p: Pipeline, *event_ids: str) -> list[tuple]:
    return p.query(
        "select event_id, quantity, row_number from intermediate.int_usage_records_deduplicated "
        "where list_contains(?, event_id) order by event_id",
        [list(event_ids)],
    )


def _quarantined(p: Pipeline, file_path: str) -> list[tuple]:
    return p.query(
        "select row_number, row_key, reason, reason_detail from marts.quarantine "
        "where file_path = ? order by row_number",
        [file_path],
    )


def _file(p: Pipeline, path: str) -> tuple:
    return p.query(
        "select status, rows_loaded, error from raw._files where path = ?", [path]
    )[0]


# -- a JSONL line too long to load ---------------------------------------------------------

def test_too_long_jsonl_line_is_quarantined_alone_and_its_neighbours_accepted(landed):
    path = "usage_records/long_line/part-0001.jsonl"
    assert _file(landed, path) == ("loaded", 3, None)
    assert _accepted(landed, "long_1", "long_2", "long_3") == [
        ("long_1", D("1.5"), 1), ("long_3", D("3"), 3),
    ]
    assert _quarantined(landed, path) == [(2, None, "line_too_long", TOO_LONG_DETAIL)]
    raw_row = landed.scalar("select raw_row from marts.quarantine where file_path = ?", [path])
    assert len(raw_row) == 1000
    assert raw_row.startswith('{"event_id": "long_2", "workspace_id": "ws_a", "note": "xxx')


def test_long_lines_keep_every_line_number_among_blank_lines_and_crlf(landed):
    path = "usage_records/long_lines_mixed/part-0001.jsonl"
    assert _file(landed, path) == ("loaded", 5, None)
    assert landed.query(
        "select row_number, event_id, read_error, length(unparsed_line) "
        "from staging.stg_landing__usage_records as u "
        "inner join staging.stg_landing__files as f on u.file_id = f.file_id "
        "where f.file_path = ? order by row_number",
        [path],
    ) == [
        (1, "mixed_1", None, None),
        (2, None, "line_too_long", 1000),
        (4, None, "line_too_long", 1000),
        (5, None, "line_too_long", 1000),
        (6, "mixed_6", None, None),
    ]
    assert [row[:3] for row in _quarantined(landed, path)] == [
        (2, None, "line_too_long"), (4, None, "line_too_long"), (5, None, "line_too_long"),
    ]


def test_long_line_beside_a_bad_encoding_still_fails_the_file(landed):
    path = "usage_records/long_line_bad_encoding/part-0001.jsonl"
    status, rows, error = _file(landed, path)
    assert (status, rows) == ("failed", 0)
    assert error == ("CSV Error on Line: 3: Invalid unicode (byte sequence mismatch) "
                     "detected. This file is not utf-8 encoded.")
    assert _quarantined(landed, path) == [(None, None, "unparseable_file", error)]


def test_line_the_reader_loses_fails_the_file_instead_of_vanishing(landed):
    path = "usage_records/lost_long_line/part-0001.jsonl"
    assert _file(landed, path) == (
        "failed", 0, f"the line reader lost 1 of the 1 lines longer than {MAX_LINE_BYTES} bytes"
    )
    assert _accepted(landed, "lost_1", "lost_3") == []


def test_csv_line_longer_than_the_reader_reads_fails_the_file_instead_of_vanishing(landed):
    path = "usage_records/csv_long_line/part-0001.csv"
    assert _file(landed, path) == (
        "failed", 0, "a line is longer than 2000000 bytes, the CSV reader's limit"
    )
    assert _accepted(landed, "csvlong_1") == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"abc\nabcdefghij\nab\n", 0),  # exactly the limit
        (b"abc\nabcdefghijk\nab", 1),
        (b"abcdefghijk\r\nab\r\nabcdefghijkl\r\n", 2),  # CRLF ends one line
        (b"abcdefghijk\rab\rabcdefghijkl", 2),  # a lone CR ends a line too
        (b"\xef\xbb\xbfabcdefghij\nx", 0),  # the BOM is not part of the first line
        (b"ab\n" + b"y" * 25, 1),  # last line without a line end
        (b"\n".join([b"z" * 11] * 3), 3),
        (b"abcdefghi", 0),
    ],
    ids=["at_limit", "lf", "crlf", "cr", "bom", "no_final_newline", "consecutive", "short_file"],
)
def test_count_long_lines_counts_lines_longer_than_the_limit(tmp_path, data, expected):
    path = tmp_path / "lines.jsonl"
    path.write_bytes(data)
    assert count_long_lines(path, limit=10) == expected


# -- file variants ------------------------------------------------------------------------

def test_byte_order_mark_at_file_start_is_not_part_of_the_first_column(landed):
    assert _accepted(landed, "bom_csv_1", "bom_csv_2", "bom_jsonl_1", "bom_jsonl_2") == [
        ("bom_csv_1", D("1"), 1), ("bom_csv_2", D("2"), 2),
        ("bom_jsonl_1", D("3"), 1), ("bom_jsonl_2", D("4"), 2),
    ]
    assert landed.query(
        "select count(*) from raw.usage_records where event_id like 'bom_%' and _extra is not null"
    ) == [(0,)]


def test_crlf_line_endings_load_like_lf(landed):
    assert _accepted(landed, "crlf_jsonl_1", "crlf_jsonl_3", "crlf_csv_1", "crlf_csv_2") == [
        ("crlf_csv_1", D("7"), 1), ("crlf_csv_2", D("8"), 2),
        ("crlf_jsonl_1", D("5"), 1), ("crlf_jsonl_3", D("6"), 3),
    ]
    assert landed.query(
        "select row_number, reason, raw_row from marts.quarantine "
        "where file_path = 'usage_records/crlf/part-0001.jsonl'"
    ) == [(4, "invalid_json", '{"event_id": "crlf_bad"')]


def test_unicode_file_names_are_kept_in_raw_and_quarantine(landed):
    assert landed.query(
        "select path, status, rows_loaded from raw._files where path like '%donn%' order by 1"
    ) == [
        ("usage_records/données/événements-ü.jsonl", "loaded", 2),
        ("usage_records/données/使用量.csv", "loaded", 1),
    ]
    assert _accepted(landed, "uni_1", "uni_2", "uni_3") == [
        ("uni_1", D("2.5"), 1), ("uni_3", D("2.5"), 1),
    ]
    assert _quarantined(landed, "usage_records/données/événements-ü.jsonl") == [
        (2, "uni_2", "unknown_resource_type", "resource_type"),
    ]


def test_upper_case_extensions_pick_the_format(landed):
    assert landed.query(
        "select path, file_format, status, rows_loaded from raw._files "
        "where path like 'usage_records/upper/%' order by 1"
    ) == [
        ("usage_records/upper/PART-0001.CSV", "csv", "loaded", 1),
        ("usage_records/upper/PART-0002.JSONL", "jsonl", "loaded", 1),
        ("usage_records/upper/PART-0003.PARQUET", "parquet", "loaded", 1),
    ]
    assert _accepted(landed, "upper_csv", "upper_jsonl", "upper_parquet") == [
        ("upper_csv", D("2.5"), 1), ("upper_jsonl", D("2.5"), 1), ("upper_parquet", D("2.5"), 1),
    ]


def test_header_only_csv_loads_no_rows_and_quarantines_nothing(landed):
    path = "usage_records/header_only/part-0001.csv"
    assert _file(landed, path) == ("loaded", 0, None)
    assert _quarantined(landed, path) == []


def test_csv_without_optional_columns_prices_from_the_rate_book(landed):
    assert landed.query(
        "select event_id, quantity, unit_cost, unit_cost_source, call_id, model "
        "from intermediate.int_usage_records_deduplicated where event_id = 'opt_1'"
    ) == [("opt_1", D("10"), D("0.014"), "rate_book", None, None)]


def test_csv_without_a_required_column_quarantines_every_row(landed):
    assert _quarantined(landed, "usage_records/no_quantity_column/part-0001.csv") == [
        (1, "noqty_1", "missing_value", "quantity"),
        (2, "noqty_2", "missing_value", "quantity"),
    ]


def test_typed_parquet_columns_are_read_as_their_values(landed):
    assert landed.query(
        "select event_id, quantity, unit_cost, unit_cost_source, cast(occurred_at as varchar) "
        "from intermediate.int_usage_records_deduplicated where event_id like 'typed_%' "
        "order by 1"
    ) == [
        ("typed_1", D("2.5"), D("0.0125"), "record", "2026-10-05 10:00:00"),
        ("typed_2", D("0.1"), D("0.014"), "rate_book", "2026-10-06 11:30:00.25"),
        ("typed_3", D("7"), D("0.02"), "record", "2026-10-05 10:00:00"),
    ]
    assert landed.scalar(
        "select _extra from raw.usage_records where event_id = 'typed_3'"
    ) == '{"meta":{"k":1}}'
    assert landed.query(
        "select request_id, input_tokens, output_tokens, actual_cost, "
        "cast(occurred_at as varchar) from intermediate.int_gateway_requests_deduplicated "
        "order by 1"
    ) == [
        ("gw_typed_1", D("1000"), D("200"), D("0.0015"), "2026-10-05 10:00:00"),
        ("gw_typed_2", D("3000"), D("0"), None, "2026-10-05 11:00:00"),
    ]
    assert landed.query(
        "select plan_id, country, region, cast(created_at as varchar), cancelled_at, "
        "markup_percentage, usage_limit_monthly, alert_threshold_percentage, "
        "auto_pause_on_limit, cast(snapshot_at as varchar) "
        "from intermediate.int_workspace_states where workspace_id = 'ws_typed'"
    ) == [("business", "DE", None, "2026-02-01 00:00:00", None, D("12.5"), D("250"),
           D("75"), True, "2026-10-01 00:00:00")]


def test_odd_timestamps_parse_to_utc_or_are_quarantined(landed):
    accepted = dict(landed.query(
        "select event_id, cast(occurred_at as varchar) "
        "from intermediate.int_usage_records_deduplicated where event_id like 'ts_%'"
    ))
    assert accepted == {e: utc for e, _text, utc in ODD_TIMESTAMPS if utc is not None}
    assert _quarantined(landed, "usage_records/odd_timestamps/part-0001.jsonl") == [
        (row, event_id, "invalid_timestamp", "occurred_at")
        for row, (event_id, _text, utc) in enumerate(ODD_TIMESTAMPS, start=1) if utc is None
    ]


def test_odd_numbers_parse_exactly_or_are_quarantined(landed):
    accepted = {
        event_id: (quantity, unit_cost)
        for event_id, quantity, unit_cost in landed.query(
            "select event_id, quantity, unit_cost "
            "from intermediate.int_usage_records_deduplicated where event_id like 'num_%'"
        )
    }
    assert accepted == {
        **{e: (q, c) for e, _qt, _ct, q, c in ODD_NUMBERS if q is not None},
        **{e: (q, D("0.014")) for e, _n, q in JSON_NUMBERS},
    }
    assert _quarantined(landed, "usage_records/odd_numbers/part-0001.csv") == [
        (row, event_id, "invalid_number", "quantity")
        for row, (event_id, *_rest, q, _c) in enumerate(ODD_NUMBERS, start=1) if q is None
    ]


def test_negative_unit_cost_is_quarantined(landed):
    assert _accepted(landed, "neg_cost_good", "neg_cost") == [("neg_cost_good", D("2.5"), 1)]
    assert _quarantined(landed, "usage_records/negative_unit_cost/part-0001.csv") == [
        (2, "neg_cost", "negative_value", "unit_cost"),
    ]


def test_workspace_without_created_at_is_quarantined(landed):
    assert landed.query(
        "select workspace_id from intermediate.int_workspace_states "
        "where workspace_id in ('ws_ok', 'ws_no_created')"
    ) == [("ws_ok",)]
    assert _quarantined(landed, "workspaces/missing_created_at/ws.csv") == [
        (2, "ws_no_created", "missing_value", "created_at"),
    ]


def test_rows_are_conserved_per_source_across_every_variant(landed):
    counts = {
        row[0]: row[1:]
        for row in landed.query(
            "select source_name, rows_read, rows_accepted, rows_quarantined, "
            "duplicates_removed, files_loaded, files_failed from marts.ingestion_row_counts"
        )
    }
    # usage read: long 3 + mixed 5 + BOM 4 + CRLF 5 + unicode 3 + upper 3 + optional 1
    # + no quantity 2 + typed 3 + timestamps 9 + numbers 13 + unit cost 2 = 53
    # quarantined: 1 + 3 + 1 (CRLF) + 1 (unicode) + 2 + 3 + 3 + 1 = 15
    assert counts["usage_records"] == (53, 38, 15, 0, 20, 3)
    assert counts["gateway_requests"] == (2, 2, 0, 0, 1, 0)
    assert counts["workspaces"] == (4, 3, 1, 0, 3, 0)
    for check in conservation_checks:
        result = check(duckdb=DuckDBResource(database=str(landed.warehouse_path)))
        assert result.passed, result.metadata
    # the megabytes of the long lines stay in the landing files
    assert landed.scalar(
        "select max(length(coalesce(_unparsed, '')) + length(coalesce(_extra, ''))) "
        "from raw.usage_records"
    ) <= 1000
