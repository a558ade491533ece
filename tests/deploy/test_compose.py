"""deploy/compose: the Compose file parses (docker-compose, the Compose spec) and is complete."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from distro.config import parse
from tests.deploy.conftest import DEPLOY, REPO

COMPOSE = DEPLOY / "compose"
#: Debian's docker-compose (1.29) ships the Compose specification's JSON Schema it validates with.
COMPOSE_SPEC = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
AIRFLOW = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker-1",
    "airflow-worker-2",
}
LONG_RUNNING = AIRFLOW | {"postgres", "redis", "minio"}


def compose(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: scripts/test.sh installs Debian's package")
    return subprocess.run(
        [
            binary,
            "--project-directory",
            str(project),
            "-f",
            str(project / "docker-compose.yaml"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def command(service: dict[str, Any]) -> str:
    """A service's command as one string, whichever form the file used."""
    value = service["command"]
    return value if isinstance(value, str) else " ".join(value)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of deploy/compose as an operator prepares it: .env made from .env.example."""
    target = tmp_path / "compose"
    shutil.copytree(COMPOSE, target, ignore=shutil.ignore_patterns(".env", "inbox"))
    shutil.copy(COMPOSE / ".env.example", target / ".env")
    return target


@pytest.fixture
def rendered(project: Path) -> dict[str, Any]:
    """What docker-compose makes of the file: anchors merged, ${...} filled from .env."""
    result = compose(project, "config")
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert isinstance(data, dict)
    return data


def test_docker_compose_accepts_the_file(project: Path) -> None:
    result = compose(project, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_without_the_env_file_the_secrets_are_missing(project: Path) -> None:
    (project / ".env").unlink()
    result = compose(project, "config", "-q")
    assert result.returncode != 0
    assert ".env" in result.stderr or "POSTGRES_PASSWORD" in result.stderr


def test_the_env_file_is_ignored_by_git() -> None:
    result = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/compose/.env"], cwd=REPO, check=False
    )
    assert result.returncode == 0
    tracked = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/compose/.env.example"], cwd=REPO, check=False
    )
    assert tracked.returncode == 1


def test_the_file_matches_the_compose_specification_schema() -> None:
    schema = json.loads(COMPOSE_SPEC.read_text(encoding="utf-8"))
    document = yaml.safe_load((COMPOSE / "docker-compose.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    assert [error.message for error in validator.iter_errors(document)] == []
    # The schema is strict enough to catch a misspelt key.
    broken = copy.deepcopy(document)
    broken["services"]["redis"]["healthchek"] = broken["services"]["redis"].pop("healthcheck")
    assert list(validator.iter_errors(broken))


def test_the_stack_has_every_part_with_health_checks(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert set(services) >= LONG_RUNNING | {"airflow-init", "minio-init"}
    for name in LONG_RUNNING:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    commands = {name: command(services[name]) for name in AIRFLOW}
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-apiserver"].endswith("exec airflow api-server")
    workers = sorted(name for name in AIRFLOW if commands[name] == "celery worker")
    assert workers == ["airflow-worker-1", "airflow-worker-2"]
    for name in AIRFLOW:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith(
            "postgresql+psycopg_async://"
        )
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["DISTRO_CONFIG"] == "/opt/distro/distro.toml"
        mounts = {volume.split(":")[1]: volume for volume in services[name]["volumes"]}
        assert mounts["/opt/distro/distro.toml"].endswith("/distro.toml:/opt/distro/distro.toml:ro")
        # Workers start only once the schema is migrated.
        assert services[name]["depends_on"]["airflow-init"]["condition"] == (
            "service_completed_successfully"
        )
    init = command(services["airflow-init"])
    assert "airflow db migrate" in init
    assert "Ledger.open" in init
    assert "airflow pools set wechat_api" in init
    # Nothing but the API and the object store console is published, and only on loopback.
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published and all(str(port).startswith("127.0.0.1:") for port in published)


def test_secrets_live_only_in_the_env_file() -> None:
    example = dict(
        line.split("=", 1)
        for line in (COMPOSE / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    text = (COMPOSE / "docker-compose.yaml").read_text(encoding="utf-8")
    secrets = [key for key in example if key.endswith(("PASSWORD", "SECRET_KEY", "SECRET", "KEY"))]
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW__CORE__FERNET_KEY"} <= set(secrets)
    for key in secrets:
        assert example[key] not in text, f"{key}'s value is written into docker-compose.yaml"


def test_the_mounted_config_is_valid_and_secret_free() -> None:
    text = (COMPOSE / "distro.toml").read_text(encoding="utf-8")
    config = parse(text, origin="deploy/compose/distro.toml")
    assert config.store.url is not None
    assert config.store.url.startswith("postgresql+psycopg://distro@postgres:")
    assert config.archive.kind == "s3"
    assert config.channels.web.output.kind == "s3"
    assert config.channels.wechat.pool == "wechat_api"
    # A password in the store URL would be a secret in the file (user:pass@host).
    assert ":" not in config.store.url.split("@")[0].split("//")[1]
    assert tomllib.loads(text)["airflow"]["password"].startswith("env:")
