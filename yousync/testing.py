"""Helpers for tests that run the real processes (ASGI server, worker, `serve`) or call
the ASGI application in-process."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LOG_DIR = BASE_DIR / "var" / "test" / "logs"

# Variables that switch a part to a service; removed for an embedded child process.
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_children() -> str:
    """The URL of the database this test run uses (the test database, not the real one)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(*, embedded: bool = False, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if embedded:
        for name in SERVICE_VARIABLES:
            env.pop(name, None)
    else:
        env["DATABASE_URL"] = database_url_for_children()
    # Real worker processes warm their models, as in production.
    env.update({"PYTHONUNBUFFERED": "1", "WORKER_LIFECYCLE": "true", **extra})
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group (rundramatiq forks worker processes)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


@dataclass
class ProcessGroup:
    """Starts processes for one test and stops them all at the end."""

    test_name: str
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict, port: int | None = None) -> Process:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / f"{self.test_name}-{name}-{len(self.processes)}.log"
        log_file = log_path.open("w")
        popen = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name, popen, log_path, port)
        self.processes.append(process)
        return process

    def server(self, env: dict, *, command: str = "uvicorn") -> Process:
        """A server on a free port: uvicorn (ASGI: WebSockets, SSE), gunicorn (WSGI: plain
        HTTP, as in production, with ops/gunicorn.conf.py) or `manage.py serve` (embedded)."""
        port = free_port()
        if command == "uvicorn":
            args = [sys.executable, "-m", "uvicorn", "yousync.asgi:application"]
            args += ["--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"]
        elif command == "gunicorn":
            args = [sys.executable, "-m", "gunicorn", "yousync.wsgi:application"]
            args += ["--config", "ops/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
        else:
            args = [sys.executable, "manage.py", "serve", "--port", str(port)]
        process = self.start(command, args, env, port)
        wait_http(f"{process.base_url}/healthz", process)
        return process

    def worker(self, env: dict, *, threads: int = 1, queues: Sequence[str] = ()) -> Process:
        """`manage.py rundramatiq` with one worker process: on `queues` as compose's
        worker (`default`) and media-worker (`media`) are, or on every queue (a test's
        one worker for everything)."""
        args = [sys.executable, "manage.py", "rundramatiq", "--processes", "1"]
        args += ["--threads", str(threads)]
        if queues:
            args += ["--queues", *queues]
        return self.start("-".join(["worker", *queues]), args, env)

    def scheduler(self, env: dict) -> Process:
        """`manage.py scheduler`: sends the periodic jobs (yousync/schedule.py)."""
        return self.start("scheduler", [sys.executable, "manage.py", "scheduler"], env)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.kill(signal.SIGTERM)


def wait_until(condition, timeout: float, what: str = "the condition", interval: float = 0.1):
    """Poll `condition` until it returns something truthy (returned), or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def wait_http(url: str, process: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited early:\n{process.log()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s:\n{process.log()[-4000:]}")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
]


def launch_chromium(playwright, *extra_args: str):
    """Debian's Chromium (no browser download), with the given extra flags."""
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    return playwright.chromium.launch(
        executable_path=executable, args=[*CHROMIUM_ARGS, *extra_args]
    )


async def asgi_get(
    app, path: str, *, query: str = "", headers=(), client=("127.0.0.1", 50000)
) -> tuple[int, dict[str, str], bytes]:
    """One GET through an ASGI application in-process: (status, headers, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": client,
        "server": ("127.0.0.1", 8000),
    }
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop()
        await asyncio.sleep(3600)  # no disconnect: the request runs to its end

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


@contextlib.contextmanager
def sql_statements():
    """The SQL run inside the block, every statement (an execute wrapper sees each one,
    also inside requests made with the test client)."""
    from django.db import connection

    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


# --- Checks every learner page passes in the browser tests (accessibility, layout, hosts) ---

AXE_SCRIPT = BASE_DIR / "yousync" / "tests" / "vendor" / "axe.min.js"
# axe's four impacts are minor, moderate, serious and critical; the last two fail a page.
BLOCKING_IMPACTS = ("serious", "critical")
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}

_AXE_RUN = """async ([impacts, rules]) => {
  const options = {resultTypes: ["violations"]};
  if (rules.length) options.runOnly = {type: "rule", values: rules};
  const result = await axe.run(document, options);
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.join(" ")),
      summaries: v.nodes.map((n) => n.failureSummary),
    }));
}"""


def axe_violations(
    page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS, rules: tuple[str, ...] = ()
) -> list[dict]:
    """axe-core's violations on the page as it is now, those of the given impacts (all
    rules, or only `rules`, e.g. ("color-contrast",) after switching to dark): each a dict
    of id, impact, help, helpUrl, targets (CSS selectors) and summaries. axe is evaluated
    from the vendored copy (yousync/tests/vendor), so a page's Content Security Policy
    doesn't stop it and nothing is fetched."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text())
    return page.evaluate(_AXE_RUN, [list(impacts), list(rules)])


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for target, summary in zip(v["targets"], v["summaries"], strict=True):
            detail = " ".join(summary.split())
            lines.append(f"    {target}: {detail[:300]}")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page, label: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {label or page.url}:\n{axe_report(violations)}"


def horizontal_overflow(page) -> dict:
    """How far the page scrolls sideways (0 when it doesn't) and the elements that stick
    out past the right edge of the viewport, outermost first, for the failure message."""
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          const width = root.clientWidth;
          const wide = [];
          for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 0.5 && wide.length < 8) {
              const cls = typeof el.className === "string" && el.className.trim()
                ? "." + el.className.trim().split(/\\s+/).join(".") : "";
              wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${cls}`
                        + ` right=${Math.round(box.right)}`);
            }
          }
          return {overflow: root.scrollWidth - width, elements: wide};
        }"""
    )


def assert_no_horizontal_overflow(page, label: str = "") -> None:
    found = horizontal_overflow(page)
    assert found["overflow"] <= 0, (
        f"{label or page.url} scrolls {found['overflow']} px sideways at "
        f"{page.viewport_size}; sticking out: {found['elements']}"
    )


class RequestLog:
    """Every URL a browser context requests, recorded from the moment it is made."""

    def __init__(self, context) -> None:
        self.urls: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))

    def foreign(self, base_url: str) -> list[str]:
        """The requests that went to any host but the one of `base_url` (data: and blob:
        URLs are the page's own)."""
        own = urlsplit(base_url).netloc
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).netloc != own
        ]

    def assert_only(self, base_url: str) -> None:
        foreign = self.foreign(base_url)
        assert not foreign, f"requests to hosts other than {base_url}: {foreign}"


class CspViolations:
    """Every Content-Security-Policy violation in a browser context, as the pages'
    `securitypolicyviolation` events report them (shadow roots included: the event is
    composed), from the moment each page starts.

    One is left out: axe-core, which the tests evaluate (no source file), adds a <style>
    of its own on pages with a shadow root; a page's own <style> or script always has a
    source (the page or the script's URL)."""

    _LISTEN = """
      document.addEventListener("securitypolicyviolation", (event) => {
        if (!event.sourceFile && event.effectiveDirective === "style-src-elem") return;
        console.error(`CSP violation: ${event.effectiveDirective} blocked ` +
                      `${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
      }, true);
    """

    def __init__(self, context) -> None:
        self.found: list[str] = []
        context.add_init_script(self._LISTEN)
        context.on("console", self._console)

    def _console(self, message) -> None:
        if message.text.startswith("CSP violation"):
            self.found.append(message.text)

    def assert_none(self, label: str = "") -> None:
        assert not self.found, f"CSP violations{f' on {label}' if label else ''}: {self.found}"


def wait_for_js(page, expression: str, *, timeout: float = 10.0, interval: float = 0.05):
    """Waits until `expression` (a JavaScript expression or arrow function) is truthy in
    the page and returns its value. Playwright's `wait_for_function` compiles its
    predicate with eval inside the page, which the site's Content-Security-Policy
    forbids; `evaluate` goes through the DevTools protocol, which the policy does not
    govern."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression!r} still false after {timeout:g} s")
        time.sleep(interval)
