"""The machine a benchmark runs on: CPU, load, how busy it is, CPU time of a process group."""

import os
import time
from collections.abc import Callable
from pathlib import Path

# The machine itself (CPU, cores, kernel): analysis.bench.report.machine.


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all CPUs in use over `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(max_busy: float, max_wait: float, say: Callable[[str], None]) -> float:
    """Wait (up to `max_wait` s) until other processes leave the CPU mostly idle; the
    share busy at the start of the run is returned and reported next to it."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy > max_busy and time.monotonic() < deadline:
        say(f"CPU {busy:.0%} busy before the run; waiting")
        time.sleep(3)
        busy = cpu_busy()
    return busy


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[2] is the process group (5th in stat)
            pids.append(int(entry.name))
    return pids


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the processes of a process group."""
    total = 0
    for pid in group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
