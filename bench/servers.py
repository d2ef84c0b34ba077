"""Starting and stopping the HTTP servers under test, each in its own process group."""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def resolve(command: str, port: int) -> list[str]:
    """The command's words with {port} filled in; a bare program name is looked up next
    to this Python first (the project's virtualenv), then on the PATH."""
    args = shlex.split(command.format(port=port))
    if "/" not in args[0]:
        local = Path(sys.executable).parent / args[0]
        args[0] = str(local) if local.exists() else (shutil.which(args[0]) or args[0])
    return args


def http_status(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class Server:
    """One server under test: `command` (with {port}) run in `cwd` with `env` added to
    this process's environment, or with `env` and PATH/HOME/LANG alone (`inherit=False`:
    the peer must not see YouSync's DATABASE_URL or SECRET_KEY)."""

    def __init__(
        self,
        name: str,
        command: str,
        *,
        cwd: Path,
        env: dict,
        health: str,
        log: Path,
        inherit: bool = True,
    ):
        self.name, self.command, self.cwd = name, command, cwd
        base = os.environ if inherit else {k: v for k, v in os.environ.items() if k in KEPT}
        self.env = {**base, "PYTHONUNBUFFERED": "1", **env}
        self.health, self.log = health, log
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90) -> None:
        self.port = free_port()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                resolve(self.command, self.port),
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + self.health, timeout=2):  # noqa: S310
                    time.sleep(2)  # every worker up, not only the first
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} server did not answer {self.health} in {timeout} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
