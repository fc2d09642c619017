"""The pacing core: buckets mirrored from headers, the shared pause, AIMD concurrency."""

from __future__ import annotations

import anyio
import pytest

from anyio_claude import RateLimitInfo
from anyio_claude._pacing import (
    FLEET_RAMP,
    FLEET_RESERVE,
    FLEET_STEP,
    FLEET_WINDOW,
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


def test_a_fleet_share_doubles_at_most_once_a_reply() -> None:
    # A reply after a pause in them shows a bucket refilled by requests the server has not
    # counted yet: the share steps up once, not to the top.
    bucket = Bucket(3600, share=1 / 8)
    bucket.observe(3600, 0, 0.0, 0.0)
    bucket.take(1, 0.1)
    bucket.observe(3600, 0, 0.0, 0.1)  # the others took 5 in 0.1 s
    assert bucket.fleet and bucket.share == pytest.approx(1 / 16)
    bucket.observe(3600, 40, 0.0, 1.0)  # 0.9 s later: room for a share of 0.44
    assert bucket.fleet and bucket.share == pytest.approx(1 / 8)
    bucket.observe(3600, 40, 0.0, 1.01)
    assert bucket.share == pytest.approx(1 / 8 * 2**0.1)


def run_fleet_model(
    shares: list[float], seconds: float, *, frozen: float = 0.0
) -> tuple[list[Bucket], list[int], int]:
    """Processes with these starting shares on one server bucket of 60 a second starting
    empty: every 10 ms each (in turn, starting with a different one) sends what its bucket
    admits and reads the reply. Returns the buckets, what each had admitted in the last
    half of the run, and the requests answered 429 in that half. `frozen`: halfway, every
    process stands still that many seconds while the server's bucket refills."""
    buckets = [Bucket(3600, share=s) for s in shares]
    server, now, step = 0.0, 0.0, 0.01
    admitted = [0] * len(shares)
    refused = 0
    for bucket in buckets:
        bucket.observe(3600, 0, 0.0, now)
    ticks = round(seconds / step)
    for tick in range(ticks):
        now += step
        if tick == ticks // 2:
            now += frozen
            server = min(3600.0, server + 60 * frozen)
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


@pytest.mark.parametrize("frozen", [0.8, 1.0, 1.2])
def test_a_fleet_held_up_resumes_without_overdrawing(frozen: float) -> None:
    # Eight processes at even shares all stand still (a server or a machine held up) while
    # the server's bucket refills, here to about a second of the limit, where every share
    # jumps the furthest; on resuming, each reads the same high `remaining` and takes a
    # larger share of the limit, but not of what the bucket holds at once.
    _, admitted, refused = run_fleet_model([1 / 8] * 8, 20.0, frozen=frozen)
    assert refused == 0
    assert sum(admitted) >= 0.97 * 60 * (10 + frozen)


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
    # What it holds shrinks with its share; a larger share refills faster, holds more, and
    # holds nothing more at once; a debt stays a debt.
    bucket.set_share(0.125)
    assert (bucket.share, bucket.level) == (0.125, pytest.approx(0.625))
    bucket.set_share(2.0)
    assert (bucket.share, bucket.level) == (1.0, pytest.approx(0.625))
    bucket.refill(100.1)
    assert bucket.level == pytest.approx(1.625)
    bucket.refill(200.0)
    assert bucket.level == pytest.approx(5.0)
    bucket.level = -1.0
    bucket.set_share(0.5)
    assert bucket.level == -1.0
    # A new limit moves the level by our share of the difference.
    other = Bucket(share=0.5)
    other.observe(1, None, 0.0, 0.0)
    assert (other.capacity, other.level) == (1.0, 0.5)
    other.observe(601, None, 0.0, 0.0)
    assert (other.capacity, other.level) == (601.0, pytest.approx(300.5))


def test_alone_a_bucket_holds_its_share_of_the_limit_at_most() -> None:
    bucket = Bucket(600, share=0.25)
    bucket.observe(600, 600, 0.0, 0.0)
    bucket.refill(1000.0)
    assert bucket.level == 150
    bucket.give(1000, 1000.0)
    assert bucket.level == 150


def test_a_share_scales_even_less_than_one_of_what_we_hold() -> None:
    bucket = Bucket(600, share=0.5)
    bucket.level = 0.5
    bucket.set_share(0.25)
    assert bucket.level == 0.25


def test_a_limit_of_zero_or_less_says_nothing() -> None:
    bucket = Bucket()
    bucket.observe(0, 0, 0.0, 0.0)
    bucket.observe(-5, 0, 0.0, 0.0)
    assert bucket.capacity is None and bucket.wait(1e9, 1.0) == 0.0
    # A bucket set up with no capacity never waits, even overdrawn.
    empty = Bucket(0)
    empty.take(5, 0.0)
    assert empty.wait(1, 0.0) == 0.0


def test_a_limit_of_one_a_minute_is_still_paced() -> None:
    bucket = Bucket(1)
    bucket.take(1, 0.0)
    assert bucket.wait(1, 0.0) == pytest.approx(60.0)


def test_every_take_and_give_between_two_replies_counts_as_ours() -> None:
    # Alone: the server's bucket (refilling 6 every 0.1 s) lost exactly what we took, net of
    # what we gave back, in several takes: nobody else is there.
    bucket = Bucket(3600, share=1.0)
    bucket.observe(3600, 0, 0.0, 0.0)
    bucket.take(4, 0.1)
    bucket.take(4, 0.1)
    bucket.give(2, 0.1)
    bucket.observe(3600, 0, 0.0, 0.1)
    assert not bucket.fleet
    # Others took 3 more than we did: a fleet.
    bucket.take(3, 0.2)
    bucket.observe(3600, 0, 0.0, 0.2)
    assert bucket.fleet


def test_others_seen_once_are_remembered_for_about_the_fleet_window() -> None:
    bucket = Bucket(3600, share=1.0)
    bucket.observe(3600, 0, 0.0, 0.0)
    # Others took the 6 the server's bucket refilled; then we take all of the refill alone.
    bucket.observe(3600, 0, 0.0, 0.1)
    assert bucket.fleet
    seen = []
    for tick in range(2, 40):
        now = tick / 10
        bucket.take(6, now)
        bucket.observe(3600, 0, 0.0, now)
        seen.append((now, bucket.fleet))
    assert all(fleet for now, fleet in seen if now <= FLEET_WINDOW)
    assert not any(fleet for now, fleet in seen if now >= 1.5 * FLEET_WINDOW)


def test_the_slightest_loss_to_others_is_a_fleet_when_we_took_nothing() -> None:
    bucket = Bucket(60, share=1.0)
    bucket.observe(60, 0, 0.0, 0.0)
    # 0.02 s at 1 a second: the server's bucket should hold 0.02 more; it holds nothing.
    bucket.observe(60, 0, 0.0, 0.02)
    assert bucket.fleet


def test_what_is_in_flight_widens_the_noise_a_fleet_must_exceed() -> None:
    def fleet_with(pending: float) -> bool:
        bucket = Bucket(3600, share=1.0)
        bucket.observe(3600, 0, 0.0, 0.0)
        # We took 90 and the server's bucket lost 95 (net of its refill): 5 % others.
        bucket.take(90, 1.0)
        bucket.observe(3600, 0 + 60 - 95, pending, 1.0)
        return bucket.fleet

    assert fleet_with(0.0)
    assert not fleet_with(200.0)


def test_alone_a_share_grows_at_most_sixteen_fold_a_reply_with_what_it_holds() -> None:
    bucket = Bucket(600, share=MIN_SHARE)
    bucket.observe(600, 0, 0.0, 0.0)
    bucket.observe(600, 600, 0.0, 100.0)
    assert bucket.share == 16 * MIN_SHARE
    # Ours is now the larger part of what remains.
    ramp = Bucket(600, share=0.25)
    ramp.observe(600, 100, 0.0, 0.0)
    assert ramp.level == 25
    # 0.2 s alone: the server refilled 2, our share doubles, and so does our part of it.
    ramp.observe(600, 102, 0.0, FLEET_RAMP)
    assert ramp.share == 0.5 and ramp.level == pytest.approx(51)
    # Overdrawn with nothing left: the debt stays ours, not shrunk by the new share.
    debt = Bucket(600, share=0.25)
    debt.observe(600, 0, 0.0, 0.0)
    debt.level = -5.0
    debt.take(2, FLEET_RAMP)  # all the server refilled
    debt.observe(600, 0, 0.0, FLEET_RAMP)
    assert debt.share == 0.5 and debt.level == pytest.approx(-5.0 + 0.5 - 2)


def test_restart_starts_over_as_a_new_process() -> None:
    bucket = fleet_bucket(10, 50, 2.0)
    assert bucket.fleet and bucket.share < START_SHARE
    bucket.level = -28.0
    bucket.restart(50.0)
    assert (bucket.share, bucket.fleet, bucket.level, bucket.updated) == (
        START_SHARE,
        False,
        0.0,
        50.0,
    )
    # Nothing known of the past: the next reply only sets the mark the one after is read
    # against, and one after that, alone, doubles the share.
    bucket.observe(3600, 0, 0.0, 50.0)
    assert not bucket.fleet and bucket.share == START_SHARE and bucket.level == 0.0
    bucket.take(6, 50.1)
    bucket.observe(3600, 0, 0.0, 50.1)
    assert not bucket.fleet and bucket.share > START_SHARE


def test_a_pacer_given_limits_runs_at_full_concurrency_from_the_start() -> None:
    assert Pacer(4, max_wait=1.0, limits={"requests": 60}).allowed() == 4
    assert Pacer(4, max_wait=1.0, limits={"requests": None}).allowed() == 1


async def test_a_pacer_that_was_never_paused_admits_at_once_whatever_its_clock() -> None:
    pacer = Pacer(4, max_wait=1.0, clock=lambda: 0.0)
    assert await pacer._admit(Cost(1, 1)) == 0.0


async def test_a_pause_that_ends_now_still_waits_for_the_buckets() -> None:
    clock = Clock()
    pacer = Pacer(4, max_wait=1.0, limits={"requests": 600}, clock=clock)
    bucket = pacer.buckets["requests"]
    bucket.share, bucket.level, bucket.updated = 1.0, 0.0, clock.now
    assert pacer.overloaded(0.0) == 0.0 and pacer.paused_until == clock.now
    bucket.set_share(1.0)
    assert await pacer._admit(Cost(1, 1)) == pytest.approx(0.1)


def test_concurrency_and_shares_halve_on_overload_down_to_one() -> None:
    pacer = Pacer(2, max_wait=1.0, limits={"requests": 600}, clock=Clock())
    pacer.buckets["requests"].set_share(0.5)
    assert pacer.overloaded(-3.0) == 0.0
    assert pacer.allowed() == 1 and pacer.buckets["requests"].share == 0.25
    pacer.overloaded(0.0)
    assert pacer.allowed() == 1 and pacer.buckets["requests"].share == 0.125


def test_backoff_without_retry_after_doubles_from_half_a_second() -> None:
    pacer = Pacer(8, max_wait=300.0, clock=Clock())
    for n in range(4):
        # 0.5 s * 2^n, less up to 25 % of jitter.
        assert 0.375 * 2**n <= pacer.overloaded(None) <= 0.5 * 2**n


async def test_waiters_are_counted_and_woken_only_to_wait_again_until_a_slot_frees() -> None:
    pacer = Pacer(1, max_wait=10.0, limits={"requests": 600})
    await pacer.acquire(Cost(1, 1))
    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(pacer.acquire, Cost(1, 1))
        await anyio.wait_all_tasks_blocked()
        assert pacer.waiting == 2
        # A wake-up that frees no slot (a pause's) admits nobody.
        pacer.overloaded(0.0)
        await anyio.wait_all_tasks_blocked()
        assert pacer.in_flight == 1 and pacer.waiting == 2
        tg.cancel_scope.cancel()
    assert pacer.waiting == 0


async def test_release_gives_back_the_unused_and_corrects_for_what_is_still_in_flight() -> None:
    clock = Clock()
    limits: dict[str, int | None] = {
        "requests": 60,
        "input_tokens": 6000,
        "output_tokens": 6000,
        "tokens": 12_000,
    }
    kinds = ("requests", "input_tokens", "output_tokens", "tokens")
    pacer = Pacer(4, max_wait=1.0, limits=limits, clock=clock)
    for bucket in pacer.buckets.values():
        bucket.share, bucket.level, bucket.updated = 1.0, bucket.capacity or 0.0, clock.now
    cost = Cost(input_tokens=1000, output_tokens=2000)
    await pacer.acquire(cost)
    await pacer.acquire(cost)
    assert [pacer.pending[k] for k in kinds] == [2, 2000, 4000, 6000]
    clock.now += 0.5
    # Used 500 of the 2000 output tokens reserved: 1500 back to both output buckets.
    pacer.release(cost, info=None, used=Cost(1000, 500), refund_request=False)
    assert [pacer.pending[k] for k in kinds] == [1, 1000, 2000, 3000]
    # Half a second of refill (0.5, 50, 50, 100) on top.
    assert [pacer.buckets[k].level for k in kinds] == pytest.approx([58.5, 4050.0, 3550.0, 7600.0])
    # A reply's headers lower each estimate to what remains less the other request's cost.
    clock.now += 0.5
    info = RateLimitInfo(
        requests_limit=60,
        requests_remaining=50,
        input_tokens_limit=6000,
        input_tokens_remaining=3000,
        output_tokens_limit=6000,
        output_tokens_remaining=3000,
        tokens_limit=12_000,
        tokens_remaining=6000,
    )
    pacer.release(cost, info=info, used=None, refund_request=True)
    assert [pacer.buckets[k].level for k in kinds] == [50, 3000, 3000, 6000]
    assert [pacer.pending[k] for k in kinds] == [0, 0, 0, 0]


def test_a_429_refund_gives_back_exactly_the_cost() -> None:
    clock = Clock()
    pacer = Pacer(4, max_wait=1.0, limits={"requests": 60, "output_tokens": 6000}, clock=clock)
    for bucket in pacer.buckets.values():
        bucket.share, bucket.level, bucket.updated = 1.0, 10.0, clock.now
    cost = Cost(input_tokens=3, output_tokens=4)
    pacer.in_flight = 1
    pacer.release(cost, info=None, used=None, refund_request=True)
    assert pacer.buckets["requests"].level == 11.0
    assert pacer.buckets["output_tokens"].level == 14.0
