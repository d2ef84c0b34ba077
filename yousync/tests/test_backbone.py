"""Every scoring job's path: web request -> broker -> worker -> channel layer -> WebSocket."""

import asyncio
import json
import urllib.request
import uuid

import pytest
import websockets

from yousync.testing import child_env

OPS_TOKEN = "backbone-test-token"


def post_probe(base_url: str, probe_id: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}/ops/probe/{probe_id}",
        method="POST",
        headers={"X-Ops-Token": OPS_TOKEN},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


async def probe_round_trip(base_url: str, port: int) -> tuple[int, dict]:
    probe_id = str(uuid.uuid4())
    url = f"ws://127.0.0.1:{port}/ws/ops/probe/{probe_id}/?token={OPS_TOKEN}"
    async with websockets.connect(url, origin=base_url, open_timeout=10) as ws:
        status, body = await asyncio.to_thread(post_probe, base_url, probe_id)
        assert body == {"probe_id": probe_id, "status": "queued"}
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
        assert message["probe_id"] == probe_id
        # The consumer closes after relaying the one result.
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), timeout=10)
    return status, message


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_backbone_service_mode_worker_process_reaches_websocket(processes):
    env = child_env(OPS_TOKEN=OPS_TOKEN)
    server = processes.server(env)
    processes.worker(env)

    status, message = asyncio.run(probe_round_trip(server.base_url, server.port))

    assert status == 202
    # Sent by the separate worker process, not by the web server.
    worker_pid = int(message["worker"].rsplit(":", 1)[1])
    assert worker_pid != server.popen.pid


@pytest.mark.integration
def test_backbone_embedded_serve_runs_the_worker_in_process(processes, tmp_path):
    env = child_env(embedded=True, OPS_TOKEN=OPS_TOKEN, VAR_DIR=str(tmp_path), DEBUG="0")
    server = processes.server(env, command="serve")

    status, message = asyncio.run(probe_round_trip(server.base_url, server.port))

    assert status == 202
    # One process: the in-process worker thread handed the message to the server's loop.
    assert int(message["worker"].rsplit(":", 1)[1]) == server.popen.pid


@pytest.mark.integration
def test_backbone_probe_needs_the_ops_token(processes, tmp_path):
    env = child_env(embedded=True, OPS_TOKEN=OPS_TOKEN, VAR_DIR=str(tmp_path))
    server = processes.server(env, command="serve")
    request = urllib.request.Request(
        f"{server.base_url}/ops/probe/{uuid.uuid4()}",
        method="POST",
        headers={"X-Ops-Token": "wrong"},
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.code == 403
    assert json.loads(refused.value.read())["code"] == "forbidden"
