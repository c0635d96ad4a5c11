"""The throughput phase's backlog follows the last stage's pace, so that it cannot cap it."""

from bench.feeders import Backlog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_backlog_is_the_minimum_until_the_last_stage_completes_anything() -> None:
    clock = Clock()
    backlog = Backlog(10_000, 5.0, clock)
    assert backlog.limit(0) == 10_000
    clock.now = 2.0
    assert backlog.limit(0) == 10_000


def test_the_backlog_grows_to_seconds_of_the_recent_pace_and_shrinks_with_it() -> None:
    clock, completed = Clock(), 0
    backlog = Backlog(10_000, 5.0, clock)
    for _ in range(20):  # 10 s at 15,000/s
        clock.now += 0.5
        completed += 7_500
        limit = backlog.limit(completed)
    assert limit == 75_000
    for _ in range(20):  # 10 s at 1,000/s: only the last few seconds count
        clock.now += 0.5
        completed += 500
        limit = backlog.limit(completed)
    assert limit == 10_000
    for _ in range(20):  # 10 s at 3,000/s
        clock.now += 0.5
        completed += 1_500
        limit = backlog.limit(completed)
    assert limit == 15_000
