"""Running wrk and reading its report."""

import os
import re
import subprocess
from pathlib import Path

LUA = Path(__file__).with_name("api.lua")


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps[1]),
        "requests": int(requests[1]) if requests else 0,
        "p50": to_ms(p50[1]),
        "p99": to_ms(p99[1]),
        "non_2xx": int(bad[1]) if bad else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        # Requests wrk gave up on after its 2 s timeout (counted in socket_errors).
        "timeouts": int(errors[4]) if errors else 0,
    }


def run_wrk(url: str, *, tokens: Path, threads: int, connections: int, seconds: float) -> dict:
    """wrk with a learner's bearer token on each request, rotating over `tokens`."""
    env = {**os.environ, "BENCH_TOKENS": str(tokens.resolve())}
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    args += ["-s", str(LUA), url]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return parse_wrk(done.stdout)
