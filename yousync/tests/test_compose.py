"""compose.yaml cannot drift: no Docker engine runs here, so the file is checked as YAML
against the Makefile, ops/ and the Dockerfile (and rendered by `docker compose config`
where the compose plugin is installed)."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import dramatiq
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.utils.module_loading import autodiscover_modules

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
# Built from this repository's Dockerfile; everything else is pulled.
APP_SERVICES = {name for name, service in SERVICES.items() if "build" in service}
# One-shot jobs: they run to completion (the app waits for `migrate`; `demo` is run by hand).
ONE_SHOT = {"migrate", "demo"}
LONG_RUNNING_APP = APP_SERVICES - ONE_SHOT
BACKING = {"postgres", "redis", "s3"}
# A pinned tag names a release: 16.10, 2.10.2, RELEASE.2025-09-07T16-13-09Z.
PINNED_TAG = re.compile(r"^(\d+\.\d+(\.\d+)?([.-][\w.-]+)?|RELEASE\.\d{4}-\d\d-\d\dT[\w.-]+)$")


def command_words(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    words = command if isinstance(command, list) else shlex.split(command)
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2])
    return words


def manage_py_commands(words: list[str]) -> list[str]:
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "manage.py"]


def queue_options(words: list[str]) -> list[str]:
    """rundramatiq's queue selection (`--queues a b`, `-Q a`); empty: every queue."""
    queues, taking = [], False
    for word in words:
        if word in ("--queues", "-Q"):
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            queues.append(word)
    return sorted(queues)


def makefile_recipe(target: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{target}:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.M)
    assert match, f"no {target} target in the Makefile"
    return shlex.split(match.group(1).strip())


def test_compose_pulls_only_pinned_images():
    pulled = {name: s["image"] for name, s in SERVICES.items() if name not in APP_SERVICES}

    assert set(pulled) >= BACKING
    for name, image in pulled.items():
        _, _, tag = image.rpartition(":")
        assert PINNED_TAG.match(tag), f"{name}: {image} is not pinned to a release"
    # MinIO's images left Docker Hub: only quay.io still serves them.
    assert not pulled["s3"].startswith(("minio/", "docker.io/minio/")), pulled["s3"]


def test_compose_app_services_start_after_migrate_which_waits_for_every_backing_service():
    migrate = SERVICES["migrate"]

    for name in APP_SERVICES - {"migrate"}:
        depends = SERVICES[name]["depends_on"]
        assert depends.get("migrate") == {"condition": "service_completed_successfully"}, name
    assert migrate["depends_on"] == {name: {"condition": "service_healthy"} for name in BACKING}
    assert manage_py_commands(command_words("migrate")) == ["create_bucket", "migrate"]
    # Tables are never migrated by a long-running service, demo content never loaded by one.
    for name in LONG_RUNNING_APP:
        assert not {"migrate", "load_demo"} & set(manage_py_commands(command_words(name))), name


def test_compose_demo_content_is_an_explicit_step_whose_failure_shows():
    demo = SERVICES["demo"]

    assert demo["profiles"] == ["demo"]  # not started by `docker compose up`
    assert manage_py_commands(command_words("demo")) == ["load_demo", "analyse_references"]
    assert "||" not in demo["command"]
    assert "|| true" not in (ROOT / "compose.yaml").read_text()


def test_compose_every_service_has_a_restart_policy_and_a_health_check():
    for name, service in SERVICES.items():
        health = service.get("healthcheck", {})
        if name in ONE_SHOT:
            # Their exit status is their health; restarting a finished job would loop.
            assert service["restart"] == "no", name
            assert health == {"disable": True}, name
            continue
        assert service["restart"] in ("unless-stopped", "always"), name
        assert not health.get("disable"), name
        assert health["test"][0] in ("CMD", "CMD-SHELL") and len(health["test"]) > 1, name
        assert health["retries"] >= 3 and health["interval"], name


def test_compose_commands_are_the_ones_the_makefile_and_ops_run():
    dockerfile = (ROOT / "Dockerfile").read_text()
    caddyfile = (ROOT / "ops" / "Caddyfile").read_text()
    image_cmd = yaml.safe_load(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    make_worker = makefile_recipe("worker")

    # web: the image's command, with production's gunicorn settings, where Caddy sends it.
    assert SERVICES["web"]["command"] == image_cmd
    assert image_cmd[-2:] == ["--config", "ops/gunicorn.conf.py"]
    assert "reverse_proxy web:8000" in caddyfile
    assert '"0.0.0.0:8000"' in (ROOT / "ops" / "gunicorn.conf.py").read_text()
    # live: the ASGI application on the port Caddy sends WebSockets and SSE to.
    live = command_words("live")
    assert live[:2] == ["uvicorn", "yousync.asgi:application"]
    assert f"live:{live[live.index('--port') + 1]}" in caddyfile
    # workers: `make worker` runs ops/worker.sh (test_compose_workers_… below).
    assert make_worker == ["@bash", "ops/worker.sh"]
    # scheduler: one `manage.py scheduler` (yousync/schedule.py), never scaled.
    assert command_words("scheduler") == ["python", "manage.py", "scheduler"]
    assert "deploy" not in SERVICES["scheduler"]


def script_rundramatiq_commands(path: Path) -> list[list[str]]:
    """The `manage.py rundramatiq …` lines of a shell script, as words (no `&`)."""
    commands = []
    for row in path.read_text().splitlines():
        words = shlex.split(row, comments=True)
        if words[1:3] == ["manage.py", "rundramatiq"]:
            commands.append([word for word in words if word != "&"])
    return commands


def app_queues() -> set[str]:
    """Every queue an app's actor is declared on (tests declare queues of their own)."""
    autodiscover_modules(*settings.DRAMATIQ_AUTODISCOVER_MODULES)
    return {
        actor.queue_name
        for actor in dramatiq.get_broker().actors.values()
        if ".tests." not in actor.fn.__module__
    }


def test_compose_workers_are_make_workers_groups_and_consume_every_queue_once():
    workers = {
        name: command_words(name)
        for name in LONG_RUNNING_APP
        if manage_py_commands(command_words(name)) == ["rundramatiq"]
    }
    compose_groups = {name: queue_options(words) for name, words in workers.items()}
    make_groups = [queue_options(w) for w in script_rundramatiq_commands(ROOT / "ops/worker.sh")]

    # Scoring apart from the long media jobs, in compose and in `make worker` alike
    # (process and thread counts are sizing).
    assert compose_groups == {"worker": ["default"], "media-worker": ["media"]}
    assert sorted(make_groups) == sorted(compose_groups.values())
    for words in workers.values():
        assert words[:3] == ["python", "manage.py", "rundramatiq"]
    # Each queue an actor uses has exactly one worker service: none is left unconsumed.
    consumed = [queue for queues in compose_groups.values() for queue in queues]
    assert sorted(consumed) == sorted(app_queues())
    # Both are workers: the same heartbeat check and environment.
    assert SERVICES["media-worker"]["healthcheck"] == SERVICES["worker"]["healthcheck"]
    assert SERVICES["media-worker"]["environment"] == SERVICES["worker"]["environment"]


def test_compose_runs_only_management_commands_that_exist():
    known = get_commands()

    for name in APP_SERVICES:
        for command in manage_py_commands(command_words(name)):
            assert command in known, f"{name}: manage.py {command} does not exist"


def test_compose_worker_and_scheduler_checks_are_the_projects_own():
    worker, scheduler = SERVICES["worker"], SERVICES["scheduler"]

    assert worker["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "yousync.healthchecks",
        "worker",
    ]
    assert worker["environment"]["WORKER_HEARTBEAT_DIR"]
    assert scheduler["healthcheck"]["test"][-1] == "scheduler"
    # The worker loads the models before its first beat.
    assert int(worker["healthcheck"]["start_period"].rstrip("s")) >= 60


def test_compose_image_installs_torch_from_the_cpu_index_at_the_required_version():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cpu_index = "https://download.pytorch.org/whl/cpu"

    assert f"ARG TORCH_INDEX_URL={cpu_index}" in dockerfile
    assert SERVICES["web"]["build"]["args"]["TORCH_INDEX_URL"].endswith(f":-{cpu_index}}}")
    # The version comes from requirements.txt, torch alone from that index, before the rest.
    assert "sed -n 's/^torch==//p' requirements.txt" in dockerfile
    torch_at = dockerfile.index('--index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION"')
    assert torch_at < dockerfile.index("pip install -r requirements.txt")
    assert "grep -i '^nvidia-'" in dockerfile
    assert re.search(r"^torch==\d+\.\d+\.\d+$", (ROOT / "requirements.txt").read_text(), re.M)


def test_compose_variables_are_all_in_env_example():
    text = (ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))

    assert used <= example, f"missing from .env.example: {sorted(used - example)}"
    assert required == {"SECRET_KEY", "POSTGRES_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY"}


def _docker_compose() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    found = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    return [docker, "compose"] if found.returncode == 0 else None


@pytest.mark.skipif(_docker_compose() is None, reason="no `docker compose` plugin here")
def test_compose_config_renders(tmp_path):
    env_file = tmp_path / "env"
    secrets = r"^(SECRET_KEY|POSTGRES_PASSWORD|S3_ACCESS_KEY|S3_SECRET_KEY)=$"
    example = (ROOT / ".env.example").read_text()
    env_file.write_text(re.sub(secrets, r"\1=check-only-value", example, flags=re.M))

    result = subprocess.run(
        [*_docker_compose(), "--env-file", str(env_file), "-f", "compose.yaml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
