import json

from dagster_project.lib.dbt_args import build_args, normalize_as_of


def test_as_of_with_offset_becomes_naive_utc():
    assert normalize_as_of("2026-10-31T23:00:00-02:00") == "2026-11-01 01:00:00"
    assert normalize_as_of("2026-10-31T23:00:00Z") == "2026-10-31 23:00:00"
    assert normalize_as_of("2026-10-31") == "2026-10-31 00:00:00"
    assert normalize_as_of(None) is None


def test_build_args():
    assert build_args() == ["build"]
    args = build_args(as_of="2026-11-01T00:00:00Z", full_refresh=True)
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"as_of": "2026-11-01 00:00:00"}
    assert args[3:] == ["--full-refresh"]


def test_as_of_instant_pins_or_reads_the_clock():
    from datetime import datetime

    from dagster_project.lib.dbt_args import as_of_instant

    assert as_of_instant("2026-11-01T02:00:00+01:00") == datetime(2026, 11, 1, 1, 0)
    before = datetime.utcnow()
    assert before <= as_of_instant(None) <= datetime.utcnow()
