"""PostgreSQL connections held during a run, sampled from pg_stat_activity."""

import os
import threading
from collections import Counter
from pathlib import Path

import psycopg

from bench.machine import group_pids


def max_connections(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("show max_connections").fetchone()
    assert row is not None
    return int(row[0])


def _socket_inodes(ports: set[int], server_port: int) -> dict[str, int]:
    """Inodes of this machine's TCP sockets to `server_port` whose local port is in `ports`."""
    inodes = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote = (int(f.rsplit(":", 1)[1], 16) for f in fields[1:3])
            if local in ports and remote == server_port:
                inodes[fields[9]] = 1
    return inodes


def connections_by_process(pgid: int, client_ports: set[int], server_port: int) -> Counter:
    """How many of the connections (by client port) each process of a group holds."""
    inodes = _socket_inodes(client_ports, server_port)
    held: Counter = Counter()
    for pid in group_pids(pgid):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[pid] += 1
    return held


class ConnectionSampler(threading.Thread):
    """Every `interval` s: the connections to `database` (and to the whole server), and
    how many of them each process of the server's process group holds."""

    def __init__(self, conninfo: str, database: str, pgid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.conninfo, self.database, self.pgid, self.interval = conninfo, database, pgid, interval
        self.stopping = threading.Event()
        self.max_database = self.max_total = self.max_per_process = self.samples = 0

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self.stopping.is_set():
                rows = conn.execute(
                    "select datname, client_port from pg_stat_activity "
                    "where pid <> pg_backend_pid() and backend_type = 'client backend'"
                ).fetchall()
                ports = {port for name, port in rows if name == self.database and port}
                held = connections_by_process(self.pgid, ports, conn.info.port)
                self.max_database = max(self.max_database, len(ports))
                self.max_total = max(self.max_total, len(rows) + 1)  # + this one
                self.max_per_process = max(self.max_per_process, max(held.values(), default=0))
                self.samples += 1
                self.stopping.wait(self.interval)

    def stop(self) -> dict:
        self.stopping.set()
        self.join(timeout=10)
        return {
            "db_connections": self.max_database,
            "db_connections_per_process": self.max_per_process,
            "pg_connections_total": self.max_total,
            "samples": self.samples,
        }
