"""Token buckets against a hand-driven clock."""

from service.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_n_per_minute_then_the_wait_until_the_next_token():
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.check("ip") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("ip") == 20  # one token every 20 s
    clock.now += 15
    assert limiter.check("ip") == 5
    clock.now += 5
    assert limiter.check("ip") == 0
    assert limiter.check("other") == 0  # keys are independent


def test_zero_disables_the_limit():
    limiter = RateLimiter(0, clock=Clock())
    assert all(limiter.check("k") == 0 for _ in range(1000))


def test_memory_stays_bounded_under_many_keys():
    clock = Clock()
    limiter = RateLimiter(2, clock=clock, max_keys=10)
    for i in range(100):
        limiter.check(f"user{i}")
        clock.now += 0.001
    assert len(limiter) <= 10
    assert limiter.check("user99") == 0  # the newest keys are still tracked
    assert limiter.check("user99") > 0
