import os

from dagster_project.lib.dbt_args import AS_OF_ENV, build_args, normalize_as_of, pinned_as_of


def test_as_of_with_offset_becomes_naive_utc():
    assert normalize_as_of("2026-10-31T23:00:00-02:00") == "2026-11-01 01:00:00"
    assert normalize_as_of("2026-10-31T23:00:00Z") == "2026-10-31 23:00:00"
    assert normalize_as_of("2026-10-31") == "2026-10-31 00:00:00"
    assert normalize_as_of(None) is None


def test_build_args():
    assert build_args() == ["build"]
    assert build_args(full_refresh=True) == ["build", "--full-refresh"]


def test_the_pinned_instant_reaches_dbt_through_the_environment(monkeypatch):
    monkeypatch.setenv(AS_OF_ENV, "earlier")
    with pinned_as_of("2026-11-01T00:00:00+01:00"):
        assert os.environ[AS_OF_ENV] == "2026-10-31 23:00:00"
    assert os.environ[AS_OF_ENV] == "earlier"
    with pinned_as_of(None):
        assert AS_OF_ENV not in os.environ
    monkeypatch.delenv(AS_OF_ENV)
    with pinned_as_of("2026-11-01"):
        pass
    assert AS_OF_ENV not in os.environ


def test_as_of_instant_pins_or_reads_the_clock():
    from datetime import datetime

    from dagster_project.lib.dbt_args import as_of_instant

    assert as_of_instant("2026-11-01T02:00:00+01:00") == datetime(2026, 11, 1, 1, 0)
    before = datetime.utcnow()
    assert before <= as_of_instant(None) <= datetime.utcnow()
