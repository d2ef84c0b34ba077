"""The "## API throughput (wrk)" section of docs/benchmarks.md."""

SECTION = "## API throughput (wrk)"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "**FAIL**"


def _queries_cell(counts: dict) -> str:
    bench, small = counts["bench"], counts["small"]
    if bench["first"] is None:
        return f"HTTP {bench['status']}"
    cell = (
        f"{bench['first']}"
        if bench["first"] == bench["repeat"]
        else f"{bench['first']} first, {bench['repeat']} repeated"
    )
    if counts["constant"]:
        return cell + " (same on small data)"
    return cell + f" (small data: {small['first']}, {small['repeat']})"


def _endpoint_rows(report: dict) -> list[str]:
    rows = []
    for name, row in report["summary"].items():
        path = report["paths"][name]
        ours, peer = row.get("yousync"), row.get("peer")
        if not ours:
            rows.append(f"| `GET {path}` | HTTP {row['status'].get('yousync')}: not measured |")
            continue
        checks = row["checks"]
        peer_rps = f"{peer['rps']:.0f}" if peer else "—"
        ratio = (
            f"**{row['ratio']:.2f}×** (lowest pair {row['lowest_pair_ratio']:.2f}×) "
            f"{_verdict(checks['throughput'])}"
            if peer
            else "no peer **FAIL**"
        )
        peer_p99 = f"{peer['p99']:.1f} ms" if peer else "—"
        errors = f"{ours['non_2xx']} / {ours['socket_errors']}"
        if peer:
            errors = f"{peer['non_2xx']} / {peer['socket_errors']} · " + errors
        rows.append(
            f"| `GET {path}` | {peer_rps} | **{ours['rps']:.0f}** | {ratio} "
            f"| {peer_p99} | **{ours['p99']:.1f} ms** {_verdict(checks['p99'])} "
            f"| {errors} {_verdict(checks['no_errors'])} "
            f"| {_queries_cell(report['queries'][name])} {_verdict(checks['queries'])} "
            f"| {ours['per_process']} ({ours['db_connections']} in all) "
            f"{_verdict(checks['connections'])} "
            f"| {peer['server_cpu_ms'] if peer else 0:.2f} / {ours['server_cpu_ms']:.2f} ms "
            f"| {_verdict(row['passed'])} |"
        )
    return rows


def _run_rows(report: dict) -> list[str]:
    limit = report["max_connections"]
    rows = []
    for name, sides in report["results"].items():
        runs = {side: runs for side, runs in sides.items() if runs}
        for i in range(max((len(r) for r in runs.values()), default=0)):
            for side, side_runs in runs.items():
                if i >= len(side_runs):
                    continue
                r = side_runs[i]
                # Near the limit, PostgreSQL refuses connections: errors then say
                # nothing about the side's speed.
                full = " (at the limit)" if r["pg_connections_total"] >= limit - 3 else ""
                rows.append(
                    f"| {name} | {i + 1} | {side} | {r['rps']:.0f} | {r['p50']:.1f} ms "
                    f"| {r['p99']:.1f} ms | {r['non_2xx']} / {r['socket_errors']} "
                    f"({r['timeouts']} timeouts) "
                    f"| {r['db_connections']} / {r['db_connections_per_process']} "
                    f"/ {r['pg_connections_total']}{full} | {r['busy_before']:.0%} "
                    f"| {r['load_before']} |"
                )
    return rows


def _page_rows(pages: dict) -> list[str]:
    rows = []
    for name, page in pages["pages"].items():
        heavy, light = page["queries"]["heavy"], page["queries"]["light"]
        rows.append(
            f"| {name} `{page['path']}` | **{page['median_ms']:.1f} ms** "
            f"| {page['p90_ms']:.1f} ms | {heavy[0]}, {heavy[1]} | {light[0]}, {light[1]} "
            f"| {_verdict(page['passed'])} |"
        )
    return rows


def render_section(report: dict) -> str:
    o = report["options"]
    summary = report["summary"]
    overall = all(row["passed"] for row in summary.values()) and (
        report["pages"] is None or all(p["passed"] for p in report["pages"]["pages"].values())
    )
    peer = report["peer_server"]
    lines = [
        SECTION,
        "",
        f"Measured {report['started']:%Y-%m-%d %H:%M} UTC on {report['machine']}; load "
        f"average (1 / 5 / 15 min) {report['load_before']} at the start and "
        f"{report['load_after']} at the end. PostgreSQL (max_connections "
        f"{report['max_connections']}) and Redis on the same machine, wrk too. "
        f"Overall: {_verdict(overall)}.",
        "",
        f"- YouSync: `{report['server']}` (`$BENCH_API_SERVER`), production settings "
        "(DEBUG off, request log at INFO), every request through Django.",
        f"- Peer: `{peer}` in `../shared/peers/fastapi_seed` (FastAPI, sync SQLAlchemy, "
        "pool 20 + 30 overflow per worker), its own database from its `seed.py`."
        if peer
        else "- Peer: not measured (its code or virtualenv was missing): no ratios.",
        "- Data: the same volume on both sides: 200 scripts × 20 lines, 100 actors, 100 "
        "learners × 100 scored attempts (`python -m bench fixture`, the peer's `seed.py`); "
        "each request carries a learner's JWT, rotating over the 100 learners "
        "(`bench/api.lua`).",
        f"- Runs: `wrk -t{o.threads} -c{o.connections} -d{o.duration}s --latency -s "
        f"bench/api.lua URL`, per endpoint alternating peer, YouSync ({o.repeat} runs per "
        f"side); every run on a freshly started server after a {o.warmup} s warm-up "
        "(so only one side holds PostgreSQL connections at a time), started once the "
        f"CPU was at most {o.max_busy:.0%} busy or after {o.max_wait:.0f} s of waiting; "
        "medians.",
        "",
        f"Targets: req/s ≥ {1.5}× the peer's (median; and no run pair below 1×), p99 "
        "lower than the peer's, no non-2xx or socket errors, queries per request "
        "constant, at most 20 PostgreSQL connections held by any one server process.",
        "",
        "| endpoint | peer req/s | YouSync req/s | ratio | peer p99 | YouSync p99 "
        "| non-2xx / socket errors (peer · YouSync) | YouSync queries per request "
        "| most PostgreSQL connections per server process | server CPU per request "
        "(peer / YouSync) | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *_endpoint_rows(report),
        "",
        "Every run, in the order run. Connections are the most seen in pg_stat_activity "
        f"(sampled every {o.sample_interval} s): to that side's database / held by one "
        "process of its server / on the whole PostgreSQL server (other users included; "
        '"at the limit" within 3 of max_connections, where PostgreSQL refuses new ones). '
        "Timeouts are requests wrk gave up on after 2 s.",
        "",
        "| endpoint | run | side | req/s | p50 | p99 | non-2xx / socket errors "
        "| connections: database / per process / server | CPU busy before | load before |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *_run_rows(report),
        "",
        "Queries are counted in-process (Django test client, same settings, a local-memory "
        "cache) for a first and a repeated request, on the bench data and again on small "
        "data (a 3-line script, 30 more scripts, a learner with 5 attempts). Server CPU is "
        "the user + system time of the server's processes divided by the requests served; "
        "unlike req/s it hardly depends on what else the machine runs.",
        "",
    ]
    pages = report["pages"]
    if pages:
        lines += [
            "### Server-rendered pages",
            "",
            f"In-process (Django test client, the server's settings but a WARNING log level, "
            f"Redis cache), signed in "
            f"as the learner with {pages['heavy_attempts']:,} attempts: median and 90th "
            f"percentile of {pages['repeat']} requests after the first. Queries of a first "
            f"and a repeated request, for that learner and for one with "
            f"{pages['light_attempts']} attempts. Target: median ≤ 30 ms, the same queries.",
            "",
            f"| page | median | p90 | queries, {pages['heavy_attempts']:,} attempts "
            f"| queries, {pages['light_attempts']} attempts | verdict |",
            "| --- | --- | --- | --- | --- | --- |",
            *_page_rows(pages),
            "",
        ]
    lines += ["Run: `make bench-api` (ops/bench_api.sh; `make bench` runs every benchmark).", ""]
    return "\n".join(lines)
