"""deploy/helm: values for the official Airflow chart (keys it knows, secrets by reference)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from distro.config import WeChatChannelConfig, parse
from tests.deploy.conftest import DEPLOY

HELM = DEPLOY / "helm"
#: Top-level keys of the official chart (apache-airflow/airflow >= 1.19, the Airflow 3 line) that
#: these values use. A key outside this set is silently ignored by the chart, so it is a bug here.
CHART_KEYS = {
    "defaultAirflowRepository",
    "defaultAirflowTag",
    "airflowVersion",
    "images",
    "executor",
    "fernetKeySecretName",
    "apiSecretKeySecretName",
    "jwtSecretName",
    "data",
    "postgresql",
    "redis",
    "pgbouncer",
    "extraEnvFrom",
    "extraEnv",
    "env",
    "secret",
    "extraSecrets",
    "extraConfigMaps",
    "volumes",
    "volumeMounts",
    "config",
    "apiServer",
    "scheduler",
    "dagProcessor",
    "triggerer",
    "workers",
    "dags",
    "migrateDatabaseJob",
    "createUserJob",
    "logs",
}
EXECUTORS = {"CeleryExecutor", "KubernetesExecutor", "CeleryKubernetesExecutor", "LocalExecutor"}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((HELM / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return load("values.yaml")


def test_only_keys_the_chart_knows(values: dict[str, Any]) -> None:
    assert set(values) <= CHART_KEYS, set(values) - CHART_KEYS
    assert set(load("values-kubernetes.yaml")) <= CHART_KEYS


def test_celery_by_default_and_kubernetes_as_a_variant(values: dict[str, Any]) -> None:
    assert values["executor"] == "CeleryExecutor"
    assert values["workers"]["replicas"] >= 2
    assert int(values["config"]["celery"]["worker_concurrency"]) >= 1
    variant = load("values-kubernetes.yaml")
    assert variant["executor"] == "KubernetesExecutor"
    assert variant["executor"] in EXECUTORS


def test_the_project_image_at_the_locked_airflow(
    values: dict[str, Any], locked_airflow: str
) -> None:
    assert values["airflowVersion"] == locked_airflow
    image = values["images"]["airflow"]
    assert image["repository"] and "distro" in image["repository"]
    assert image["tag"] == values["defaultAirflowTag"]


def test_the_triggerer_and_dag_processor_run(values: dict[str, Any]) -> None:
    assert values["triggerer"]["enabled"] is True
    assert values["triggerer"]["replicas"] >= 1
    assert values["dagProcessor"]["enabled"] is True


def test_connections_and_secrets_come_from_kubernetes_secrets(values: dict[str, Any]) -> None:
    refs = yaml.safe_load(values["extraEnvFrom"])
    names = {ref["secretRef"]["name"] for ref in refs}
    documents = list(yaml.safe_load_all((HELM / "secrets.example.yaml").read_text("utf-8")))
    defined = {doc["metadata"]["name"]: doc for doc in documents}
    assert all(doc["kind"] == "Secret" for doc in documents)
    from_secret = {item["secretName"]: item["secretKey"] for item in values["secret"]}
    for name, key in from_secret.items():
        assert key in defined[name]["stringData"], (name, key)
    named = names | set(from_secret) | {
        values["fernetKeySecretName"],
        values["apiSecretKeySecretName"],
        values["jwtSecretName"],
        values["data"]["metadataSecretName"],
        values["data"]["brokerUrlSecretName"],
    }
    assert named <= set(defined), named - set(defined)
    connections = [
        key
        for name in names
        for key in defined[name]["stringData"]
        if key.startswith("AIRFLOW_CONN_")
    ]
    assert "AIRFLOW_CONN_DISTRO_WECHAT" in connections
    # No secret value is written in the values file itself.
    text = (HELM / "values.yaml").read_text(encoding="utf-8")
    for doc in documents:
        for secret in doc["stringData"].values():
            assert secret not in text


def test_the_mounted_distro_config_is_valid(values: dict[str, Any]) -> None:
    data = yaml.safe_load(values["extraConfigMaps"]["distro-config"]["data"])
    config = parse(data["distro.toml"], origin="deploy/helm distro.toml")
    assert config.store.url and config.store.url.startswith("postgresql+psycopg://")
    assert config.archive.kind == "s3"
    mounts = {mount["mountPath"]: mount for mount in values["volumeMounts"]}
    assert mounts["/opt/distro/distro.toml"]["name"] == "distro-config"
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["DISTRO_CONFIG"] == "/opt/distro/distro.toml"


def test_migrations_and_the_wechat_pool_run_on_every_upgrade(values: dict[str, Any]) -> None:
    job = values["migrateDatabaseJob"]
    assert job["enabled"] is True
    script = " ".join(job["args"])
    assert "airflow db migrate" in script
    assert "Ledger.open" in script
    # The pool the WeChat channel's tasks name by default must exist before they are queued.
    assert f"airflow pools set {WeChatChannelConfig().pool} " in script
    assert not script.split("-c", 1)[1].strip().startswith("exec ")
