"""The step plan and its cursor: pure arithmetic, no I/O."""

from datetime import UTC, date, datetime, timedelta

from adsync.services.plan import Cursor, Phase, chunk, runs_during


def walk(cursor: Cursor, *, campaigns: int, performing: int) -> list[tuple[Phase, int]]:
    """Advance through every step as the engine would; return (phase, index) visited."""
    seen = []
    while not cursor.done:
        seen.append((cursor.phase, cursor.index))
        changes: dict[str, object] = {}
        if cursor.phase is Phase.LIST:
            changes["campaign_ids"] = tuple(range(campaigns))
        if cursor.phase is Phase.SETTINGS:
            ids = chunk(cursor.campaign_ids)[cursor.index]
            changes["perf_ids"] = cursor.perf_ids + tuple(i for i in ids if i < performing)
        cursor = cursor.advanced(calls=1, rows=0, **changes)
    return seen


def test_a_big_shop_over_seven_days_has_small_steps() -> None:
    cursor = Cursor(start_day=date(2026, 11, 14), end_day=date(2026, 11, 20))
    steps = walk(cursor, campaigns=5000, performing=3000)
    count = {phase: sum(1 for p, _ in steps if p is phase) for phase in Phase}
    assert count[Phase.LIST] == 1
    assert count[Phase.SETTINGS] == 50
    assert count[Phase.DAILY] == 30  # one 7-day window x 30 chunks of 100 ids
    assert count[Phase.HOURLY] == 7 * 30
    assert count[Phase.SHOP_DAILY] == 1
    assert count[Phase.SHOP_HOURLY] == 7
    assert count[Phase.GMS] == 7  # one GMS report call per day (§6.9)
    assert count[Phase.GMS_DELETED] == 1


def test_a_shop_without_campaigns_still_syncs_shop_level_data() -> None:
    steps = walk(
        Cursor(start_day=date(2026, 1, 1), end_day=date(2026, 1, 1)), campaigns=0, performing=0
    )
    assert [p for p, _ in steps] == [
        Phase.LIST,
        Phase.SHOP_DAILY,
        Phase.SHOP_HOURLY,
        Phase.GMS,
        Phase.GMS_DELETED,
    ]


def test_a_shop_gms_refused_lately_has_no_gms_steps() -> None:
    cursor = Cursor(start_day=date(2026, 1, 1), end_day=date(2026, 1, 3), gms=False)
    steps = walk(cursor, campaigns=0, performing=0)
    assert Phase.GMS not in {p for p, _ in steps}
    assert Phase.GMS_DELETED not in {p for p, _ in steps}


def test_a_gms_refusal_mid_job_skips_the_remaining_gms_steps() -> None:
    cursor = Cursor(start_day=date(2026, 1, 1), end_day=date(2026, 1, 3), phase=Phase.GMS)
    after = cursor.advanced(calls=1, rows=0, gms=False)
    assert after.done
    assert Cursor.from_json(cursor.to_json()).gms is True
    assert Cursor.from_json(after.to_json()).gms is False


def test_long_spans_split_into_30_day_windows() -> None:
    cursor = Cursor(start_day=date(2026, 1, 1), end_day=date(2026, 3, 1))
    assert cursor.windows() == [
        (date(2026, 1, 1), date(2026, 1, 30)),
        (date(2026, 1, 31), date(2026, 3, 1)),
    ]


def test_cursor_survives_json() -> None:
    cursor = Cursor(start_day=date(2026, 1, 1), end_day=date(2026, 1, 7)).advanced(
        calls=1, rows=3, campaign_ids=(5, 7)
    )
    assert Cursor.from_json(cursor.to_json()) == cursor
    assert "campaign_ids" not in cursor.stats()


def test_runs_during_uses_the_schedule_not_the_status() -> None:
    day_start = datetime(2026, 11, 20, tzinfo=UTC)
    day_end = day_start + timedelta(days=1)
    before, after = day_start - timedelta(hours=1), day_end + timedelta(hours=1)
    assert runs_during(start_time=before, end_time=None, day_start=day_start, day_end=day_end)
    assert runs_during(start_time=before, end_time=day_start, day_start=day_start, day_end=day_end)
    assert not runs_during(
        start_time=before - timedelta(days=2), end_time=before, day_start=day_start, day_end=day_end
    )
    assert not runs_during(start_time=after, end_time=None, day_start=day_start, day_end=day_end)
