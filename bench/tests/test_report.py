import sys
from pathlib import Path

import pytest

from bench.api import summarise
from bench.servers import resolve
from bench.wrk import parse_wrk

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8100/api/mypage/overview
  2 threads and 64 connections
  Latency Distribution
     50%  120.50ms
     75%  150.00ms
     90%  200.00ms
     99%    1.20s
  5000 requests in 10.00s, 1.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    500.12
"""


def run(rps: float, p99: float, *, per_process: int = 10, errors: int = 0) -> dict:
    return {
        "rps": rps,
        "p50": p99 / 2,
        "p99": p99,
        "non_2xx": errors,
        "socket_errors": 0,
        "server_cpu_ms": 2.0,
        "db_connections": 2 * per_process,
        "db_connections_per_process": per_process,
        "pg_connections_total": 50,
    }


def test_parse_wrk_reads_rate_latencies_and_every_kind_of_error():
    result = parse_wrk(WRK_OUTPUT)

    assert result == {
        "rps": 500.12,
        "requests": 5000,
        "p50": 120.5,
        "p99": 1200.0,
        "non_2xx": 7,
        "socket_errors": 5,
        "timeouts": 3,
    }


def test_resolve_fills_in_the_port_and_finds_the_program_beside_python():
    args = resolve("uvicorn yousync.asgi:application --port {port} --workers 2", 8123)

    assert args[0] == str(Path(sys.executable).parent / "uvicorn")
    assert args[1:] == ["yousync.asgi:application", "--port", "8123", "--workers", "2"]


@pytest.mark.parametrize(
    ("ours", "passed", "failed"),
    [
        ([run(900, 80), run(800, 90), run(1000, 70)], True, []),
        ([run(700, 80), run(700, 80), run(700, 80)], False, ["throughput"]),
        ([run(900, 150), run(900, 150), run(900, 150)], False, ["p99"]),
        ([run(900, 80, per_process=21)] * 3, False, ["connections"]),
        ([run(900, 80, errors=1)] * 3, False, ["no_errors"]),
    ],
)
def test_summarise_checks_each_target_against_the_peer(ours, passed, failed):
    peer = [run(500, 120), run(520, 110), run(480, 130)]
    results = {"overview": {"peer": peer, "yousync": ours}}
    queries = {"overview": {"constant": True}}

    row = summarise(results, {"overview": {"peer": 200, "yousync": 200}}, queries)["overview"]

    assert row["passed"] is passed
    assert [name for name, ok in row["checks"].items() if not ok] == failed
    assert row["ratio"] == pytest.approx(row["yousync"]["rps"] / 500)


def test_summarise_fails_throughput_without_a_peer():
    results = {"overview": {"yousync": [run(900, 80)] * 3}}

    row = summarise(results, {"overview": {"yousync": 200}}, {"overview": {"constant": True}})

    assert row["overview"]["checks"]["throughput"] is False
    assert "ratio" not in row["overview"]
