"""Printing a server's figures beside its anchor's, each with their ratio."""

from bench.load import Profile
from bench.pyload import Run

READ_RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0
# OpenCRVS's published registration latency (95th percentile), for creates.
WRITE_P99_TARGET_MS = 350.0
# A paced run answering less than this share of its schedule did not hold it: its latencies
# from schedule then grow with the backlog, whichever side fell behind.
SCHEDULE_HELD = 0.98


def _latency(run: Run) -> str:
    return f"{run.p50_ms:7.1f} / {run.p99_ms:7.1f} ms"


def _row(label: str, ours: str, anchor: str, ratio: str) -> None:
    print(f"  {label:<30}{ours:>24}{anchor:>24}   {ratio}")


def print_comparison(
    label: str,
    ours: Profile,
    anchor_label: str,
    anchor: Profile,
    *,
    ratio_target: float | None = READ_RATIO_TARGET,
    p99_target_ms: float = P99_TARGET_MS,
) -> None:
    """A table of both profiles: throughput, p50/p99 per phase, errors, ratios."""
    print(f"  load generator: {ours.tool}")
    _row("", label[:23], anchor_label[:23], "ratio")
    s, a = ours.saturated, anchor.saturated
    ratio = s.rate / a.rate if a.rate else 0.0
    verdict = ""
    if ratio_target is not None:
        verdict = f"  (target >= {ratio_target}: {'met' if ratio >= ratio_target else 'MISSED'})"
    _row("saturation (16 conns) req/s", f"{s.rate:,.0f}", f"{a.rate:,.0f}", f"{ratio:.2f}{verdict}")
    _row("  p50 / p99", _latency(s), _latency(a), f"p99 {_ratio(s.p99_ms, a.p99_ms)}")
    p, q = ours.paced, anchor.paced
    verdict = "met" if p.p99_ms <= p99_target_ms else "MISSED"
    _row("80% of own saturation, req/s", f"{p.rate:,.0f}", f"{q.rate:,.0f}", "")
    _row(
        "  p50 / p99 from schedule",
        _latency(p),
        _latency(q),
        f"p99 {_ratio(p.p99_ms, q.p99_ms)}  (ours <= {p99_target_ms:g} ms: {verdict})",
    )
    for name, mine, theirs in (
        ("5x spike (80 conns): errors", ours.spike, anchor.spike),
        ("200 connections: errors", ours.crowd, anchor.crowd),
    ):
        verdict = "met" if mine.errors == 0 else "MISSED"
        _row(name, _errors(mine), _errors(theirs), f"(target 0: {verdict})")
        _row("  p99", f"{mine.p99_ms:,.1f} ms", f"{theirs.p99_ms:,.1f} ms", "")
    for name, run in (("saturation", s), ("80%", p)):
        if run.errors:
            print(f"  note: {run.errors} errors during the {name} run of {label}")
    for name, run in ((label, p), (anchor_label, q)):
        if run.rate < SCHEDULE_HELD * run.target_rate:
            print(
                f"  note: the 80% run of {name} answered {run.rate:,.0f} of the "
                f"{run.target_rate:,.0f} req/s scheduled ({run.rate / run.target_rate:.1%})"
            )


def _errors(run: Run) -> str:
    waiting = f" (+{run.waiting} waiting)" if run.waiting else ""
    return f"{run.errors} of {run.requests:,}{waiting}"


def _ratio(ours: float, anchor: float) -> str:
    return f"{ours / anchor:.2f}x" if anchor else "-"
