"""The pacing core: buckets mirrored from headers, the shared pause, AIMD concurrency."""

from __future__ import annotations

import anyio
import pytest

from anyio_claude import RateLimitInfo
from anyio_claude._pacing import (
    FLEET_RAMP,
    FLEET_RESERVE,
    FLEET_STEP,
    MIN_SHARE,
    START_SHARE,
    Bucket,
    Cost,
    Pacer,
    fleet_share,
)

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_unknown_bucket_never_waits() -> None:
    bucket = Bucket()
    assert bucket.wait(1e9, 0.0) == 0.0


def test_headers_seed_a_bucket_and_it_refills_at_limit_per_minute() -> None:
    bucket = Bucket()
    bucket.observe(limit=600, remaining=0, pending=0, now=0.0)
    assert bucket.capacity == 600
    # 600 a minute is 10 a second: one request is 0.1 s away, five are 0.5 s away.
    assert bucket.wait(1, 0.0) == pytest.approx(0.1)
    assert bucket.wait(5, 0.0) == pytest.approx(0.5)
    assert bucket.wait(5, 0.5) == 0.0


def test_headers_lower_the_estimate_minus_what_is_in_flight_but_never_raise_it() -> None:
    bucket = Bucket(1000)
    bucket.take(100, 0.0)
    bucket.observe(limit=1000, remaining=500, pending=50, now=0.0)
    assert bucket.level == 450
    bucket.observe(limit=1000, remaining=990, pending=0, now=0.0)
    assert bucket.level == 450


def test_refunds_are_capped_at_the_capacity() -> None:
    bucket = Bucket(100)
    bucket.take(30, 0.0)
    bucket.give(50, 0.0)
    assert bucket.level == 100


def test_a_cost_above_the_capacity_waits_for_a_full_bucket_not_forever() -> None:
    bucket = Bucket(60)
    bucket.take(60, 0.0)
    assert bucket.wait(1000, 0.0) == pytest.approx(60.0)


def test_a_cost_takes_from_each_bucket_its_share() -> None:
    cost = Cost(input_tokens=300, output_tokens=1024)
    assert [cost.of(k) for k in ("requests", "input_tokens", "output_tokens", "tokens")] == [
        1,
        300,
        1024,
        1324,
    ]


def test_long_retry_after_is_honoured_up_to_the_cap() -> None:
    clock = Clock()
    pacer = Pacer(8, max_wait=300.0, clock=clock)
    # Users see 171 s resets; the official SDK gives up past 60 s.
    assert pacer.overloaded(171.0) == 171.0
    assert pacer.paused_until == clock.now + 171.0
    assert pacer.overloaded(10_000.0) == 300.0


def test_a_shorter_retry_after_never_cuts_a_longer_pause_short() -> None:
    clock = Clock()
    pacer = Pacer(8, max_wait=300.0, clock=clock)
    pacer.overloaded(30.0)
    clock.now += 1.0
    assert pacer.overloaded(2.0) == 2.0
    assert pacer.paused_until == clock.now - 1.0 + 30.0
    pacer.overloaded(None)
    assert pacer.paused_until == clock.now - 1.0 + 30.0
    # A longer one extends it.
    pacer.overloaded(45.0)
    assert pacer.paused_until == clock.now + 45.0


def test_a_429_gives_back_all_it_reserved_other_failures_only_the_output() -> None:
    clock = Clock()
    limits: dict[str, int | None] = {
        "requests": 60,
        "input_tokens": 6000,
        "output_tokens": 6000,
        "tokens": 12_000,
    }
    cost = Cost(input_tokens=1000, output_tokens=2000)
    for refund, expected in ((True, (60, 6000, 6000, 12_000)), (False, (59, 5000, 6000, 11_000))):
        pacer = Pacer(8, max_wait=1.0, limits=limits, clock=clock)
        for kind, bucket in pacer.buckets.items():
            bucket.share, bucket.level = 1.0, bucket.capacity or 0.0  # alone, full
            bucket.take(cost.of(kind), clock.now)
        pacer.in_flight = 1
        pacer.release(cost, info=None, used=None, refund_request=refund)
        levels = tuple(
            pacer.buckets[k].level for k in ("requests", "input_tokens", "output_tokens", "tokens")
        )
        assert levels == expected


def test_overloads_without_retry_after_back_off_exponentially() -> None:
    pacer = Pacer(8, max_wait=300.0, clock=Clock())
    pauses = [pacer.overloaded(None) for _ in range(4)]
    assert pauses == sorted(pauses) and pauses[-1] > 2 * pauses[0]
    pacer.succeeded()
    assert pacer.overloaded(None) <= 0.5


def test_concurrency_halves_on_overload_and_grows_back_one_per_success() -> None:
    pacer = Pacer(64, max_wait=1.0, clock=Clock())
    pacer.seeded = True
    pacer.overloaded(0.0)
    pacer.overloaded(0.0)
    assert pacer.allowed() == 16
    for _ in range(10):
        pacer.succeeded()
    assert pacer.allowed() == 26
    for _ in range(100):
        pacer.succeeded()
    assert pacer.allowed() == 64


async def test_one_probe_until_the_first_reply_then_the_full_concurrency() -> None:
    pacer = Pacer(4, max_wait=1.0)
    cost = Cost(10, 10)
    await pacer.acquire(cost)
    with anyio.move_on_after(0.1) as scope:
        await pacer.acquire(cost)
    assert scope.cancelled_caught and pacer.in_flight == 1 and pacer.waiting == 0
    pacer.release(cost, info=RateLimitInfo(), used=cost, refund_request=False)
    for _ in range(4):
        with anyio.fail_after(1):
            await pacer.acquire(cost)
    assert pacer.in_flight == 4


async def test_a_pause_holds_every_acquire_until_it_ends() -> None:
    pacer = Pacer(8, max_wait=10.0)
    pacer.seeded = True
    pacer.overloaded(0.3)
    started = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(pacer.acquire, Cost(1, 1))
    assert anyio.current_time() - started >= 0.29
    assert pacer.in_flight == 3


async def test_acquire_waits_for_the_bucket_seeded_from_headers() -> None:
    pacer = Pacer(8, max_wait=10.0)
    info = RateLimitInfo(requests_limit=600, requests_remaining=0)
    await pacer.acquire(Cost(1, 1))
    pacer.release(Cost(1, 1), info=info, used=Cost(1, 1), refund_request=False)
    pacer.buckets["requests"].share = 1.0  # known to be alone
    started = anyio.current_time()
    for _ in range(3):
        await pacer.acquire(Cost(1, 1))
    # 600 a minute from empty: the third request is 0.3 s away.
    assert anyio.current_time() - started == pytest.approx(0.3, abs=0.08)


def test_a_new_pacer_starts_at_a_part_of_the_limit_and_doubles_it_while_alone() -> None:
    assert Pacer(8, max_wait=1.0).buckets["requests"].share == START_SHARE
    bucket = Bucket(600, share=START_SHARE)
    now = 0.0
    bucket.observe(600, 0, 0.0, now)
    shares = []
    for _ in range(4):
        # Alone: the server's bucket moves by exactly what this process takes.
        now += FLEET_RAMP
        bucket.take(10 * FLEET_RAMP, now)
        bucket.observe(600, 0, 0.0, now)
        shares.append(bucket.share)
    assert shares == [2 * START_SHARE, 4 * START_SHARE, 8 * START_SHARE, 1.0]


def test_a_pause_is_no_sign_of_being_alone() -> None:
    # A 429 (the server's bucket empty) pauses the process for a second; the first reply
    # after it shows the second's refill untouched, as it would to every process of a fleet
    # paused by the same limit. Doubling for the whole second would take the refill as
    # ours (each process of the fleet at once); only the time since the pause ended counts.
    clock = Clock()
    pacer = Pacer(8, max_wait=5.0, clock=clock)
    bucket = pacer.buckets["requests"]
    bucket.observe(600, 0, 0.0, clock())
    pacer.overloaded(1.0)
    share = bucket.share
    clock.now += 1.0 + FLEET_RAMP / 10
    bucket.take(1.0, clock())
    bucket.observe(600, 10, 0.0, clock())
    assert not bucket.fleet
    assert share < bucket.share <= share * 2 ** (1 / 10) * 1.01


def fleet_bucket(own_per_second: float, others_per_second: float, seconds: float) -> Bucket:
    """A bucket of 60 a second, fed replies every 0.1 s while this process takes
    `own_per_second` and the others `others_per_second` from a server bucket kept at 0."""
    bucket = Bucket(3600, share=0.25)
    now, server = 0.0, 0.0
    bucket.observe(3600, 0, 0.0, now)
    while now < seconds:
        now += 0.1
        bucket.take(own_per_second * 0.1, now)
        server = max(server + 6.0 - (own_per_second + others_per_second) * 0.1, 0.0)
        bucket.observe(3600, int(server), 0.0, now)
    return bucket


def test_headers_moving_faster_than_our_use_show_the_rest_of_the_fleet() -> None:
    # Nobody else: the whole limit.
    alone = fleet_bucket(60, 0, 5.0)
    assert not alone.fleet and alone.share == 1.0
    # Others at the limit with us: a fleet, whose share follows what the server's bucket
    # holds (nothing: the smallest share), not our part of the fleet's use.
    for own in (10, 30):
        bucket = fleet_bucket(own, 60 - own, 5.0)
        assert bucket.fleet and bucket.share == MIN_SHARE
    # One process held at the smallest share by another that believes itself alone and
    # takes the rest shows to that other, which then backs off.
    hog = fleet_bucket(60 * (1 - MIN_SHARE), 60 * MIN_SHARE, 5.0)
    assert hog.fleet and hog.share < 0.1


def test_a_fleet_share_is_the_same_for_all_a_function_of_what_remains() -> None:
    per_second = 40.0
    reserve = per_second * FLEET_RESERVE
    assert fleet_share(0, per_second) == 0.0
    assert fleet_share(reserve / 2, per_second) == pytest.approx(1 / 4)
    assert fleet_share(reserve, per_second) == fleet_share(10 * reserve, per_second) == 1.0
    # n processes at one share f(R) take the limit when n f(R) = 1: R = reserve / sqrt(n).
    for n in (2, 4, 8):
        assert n * fleet_share(reserve / n**0.5, per_second) == pytest.approx(1.0)


def test_a_fleet_share_halves_at_most_every_step() -> None:
    # A stale reply showing others where there are none moves a share a little, not to
    # the bottom at once.
    bucket = Bucket(3600, share=1.0)
    bucket.observe(3600, 0, 0.0, 0.0)
    # In 0.2 s we took 2 and the server's bucket, refilling 12, lost 10 more: a fleet.
    bucket.take(2, 0.2)
    bucket.observe(3600, 0, 0.0, 0.2)
    assert bucket.fleet
    assert bucket.share == pytest.approx(2 ** (-0.2 / FLEET_STEP))
    bucket.set_share(1.0)
    bucket.observe(3600, 0, 0.0, 0.2 + FLEET_STEP / 2)
    assert bucket.fleet
    assert bucket.share == pytest.approx(2**-0.5)


def run_fleet_model(shares: list[float], seconds: float) -> tuple[list[Bucket], list[int], int]:
    """Processes with these starting shares on one server bucket of 60 a second starting
    empty: every 10 ms each (in turn, starting with a different one) sends what its bucket
    admits and reads the reply. Returns the buckets, what each had admitted in the last
    half of the run, and the requests answered 429 in that half."""
    buckets = [Bucket(3600, share=s) for s in shares]
    server, now, step = 0.0, 0.0, 0.01
    admitted = [0] * len(shares)
    refused = 0
    for bucket in buckets:
        bucket.observe(3600, 0, 0.0, now)
    ticks = round(seconds / step)
    for tick in range(ticks):
        now += step
        server = min(3600.0, server + 60 * step)
        for k in range(len(buckets)):
            k = (k + tick) % len(buckets)
            bucket = buckets[k]
            while bucket.wait(1, now) == 0:
                bucket.take(1, now)
                late = tick >= ticks // 2
                if server >= 1:
                    server -= 1
                    admitted[k] += late
                else:
                    bucket.give(1, now)
                    refused += late
                    break
            bucket.observe(3600, int(server), 0.0, now)
    return buckets, admitted, refused


@pytest.mark.parametrize("n", [2, 4, 8])
def test_a_fleet_settles_on_even_shares_of_the_whole_limit(n: int) -> None:
    # Whatever they start at (one alone at the whole limit, the others at the smallest
    # share), the processes end with equal shares, together at the limit, without 429s.
    shares = [1.0] + [MIN_SHARE] * (n - 1)
    buckets, admitted, refused = run_fleet_model(shares, 20.0)
    assert all(b.fleet for b in buckets)
    assert max(b.share for b in buckets) <= 1.25 * min(b.share for b in buckets)
    assert sum(admitted) >= 0.97 * 60 * 10
    assert min(admitted) >= 0.8 * sum(admitted) / n
    assert refused <= 0.01 * sum(admitted)


def test_a_share_scales_the_refill_the_wait_the_burst_and_the_level() -> None:
    bucket = Bucket(600, share=0.25)  # the server refills 10 a second; ours is 2.5
    assert bucket.level == 150
    bucket.observe(600, 0, 0.0, 0.0)
    assert bucket.level == 0
    assert bucket.wait(1, 0.0) == pytest.approx(0.4)
    bucket.take(1, 0.0)
    assert bucket.wait(1, 0.0) == pytest.approx(0.8)
    bucket.refill(0.8)
    assert bucket.level == pytest.approx(1.0)
    # In a fleet it holds at most half a second of its share.
    bucket.fleet = True
    bucket.refill(100.0)
    assert bucket.level == pytest.approx(10 * 0.25 * 0.5)
    # What it holds grows and shrinks with its share; a debt stays a debt.
    bucket.set_share(0.5)
    assert (bucket.share, bucket.level) == (0.5, pytest.approx(2.5))
    bucket.set_share(2.0)
    assert (bucket.share, bucket.level) == (1.0, pytest.approx(5.0))
    bucket.level = -1.0
    bucket.set_share(0.5)
    assert bucket.level == -1.0
    # A new limit moves the level by our share of the difference.
    other = Bucket(share=0.5)
    other.observe(1, None, 0.0, 0.0)
    assert (other.capacity, other.level) == (1.0, 0.5)
    other.observe(601, None, 0.0, 0.0)
    assert (other.capacity, other.level) == (601.0, pytest.approx(300.5))
