import collections, time
import tests.adversarial.test_openapi_fuzz as t
stats = collections.Counter()
timing = collections.Counter()
orig_state = t.stored_state
def timed_state(app):
    s = time.perf_counter(); r = orig_state(app); timing["state"] += time.perf_counter() - s; return r
t.stored_state = timed_state
import schemathesis.generation.case as c
orig_call = c.Case.call
def call(self, *a, **k):
    s = time.perf_counter(); r = orig_call(self, *a, **k); timing["call"] += time.perf_counter() - s
    stats[r.status_code] += 1; return r
c.Case.call = call
def pytest_sessionfinish(session):
    print("\nSTATUS", sorted(stats.items()), "TIMING", {k: round(v, 2) for k, v in timing.items()})
