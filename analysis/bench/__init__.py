"""Benchmark of the scoring engine on synthetic pairs with known answers.

    python -m analysis.bench [--quick] [--pitch-trackers] [--output docs/benchmarks.md]

Builds reference/attempt pairs with espeak-ng (and flite when installed): a good take
(same text read by another voice) and degraded copies of it that are wrong in exactly
one known way. Reports, per dimension, how often the good take outscores the degraded
one; how much each degradation moves the other scores; and latency, real-time factor,
time per stage and peak memory. Writes the "## Scoring engine" section of
docs/benchmarks.md, keeping the file's other sections.
"""
