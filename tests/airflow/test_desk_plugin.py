"""The desk's Airflow plugin: discovered by its entry point, mounted by the real api-server
behind Airflow's login, in the UI's navigation; its forms' conf passes the real DAGs' params."""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

import pytest
import requests
from airflow.sdk.exceptions import ParamValidationError

from distro.airflow import factory
from distro.airflow.plugin import CALLBACK_PREFIX
from distro.desk import PREFIX, queries
from distro.desk.timezone import snippet
from tests.desk.newsroom import seed, serve


def test_airflow_finds_the_plugin_by_its_entry_point() -> None:
    from airflow import plugins_manager

    apps, middlewares = plugins_manager.get_fastapi_plugins()
    desk = [a for a in apps if a["url_prefix"] == PREFIX]
    assert len(desk) == 1 and desk[0]["name"] == "distro desk"
    assert [m["name"] for m in middlewares].count("distro UI time zone") == 1
    views, _react = plugins_manager._get_ui_plugins()
    nav = [v for v in views if v.get("url_route") == "distro-desk"]
    assert nav == [
        {
            "name": "Desk",
            "href": "desk/",
            "destination": "nav",
            "url_route": "distro-desk",
            "nav_top_level": True,
        }
    ]
    info = {p["name"]: p for p in plugins_manager.get_plugin_info()}
    assert "distro" in info


def test_the_api_server_serves_the_desk_only_to_logged_in_users(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newsroom = seed(tmp_path / "state")
    monkeypatch.setenv("DISTRO_STATE", str(newsroom.settings.state.root))
    monkeypatch.setenv("DISTRO_CONFIG", str(newsroom.settings.config_path))
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "editor:admin")
    monkeypatch.setenv(
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(tmp_path / "passwords.json")
    )
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    app = create_app("core")
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="editor", role="admin"))
    with serve(app) as base:
        for path in ("/", "/review", "/api/review", "/api/articles"):
            assert requests.get(base + PREFIX + path, timeout=60).status_code == 401, path
        retry = f"{base}{PREFIX}/api/quarantine/{newsroom.parse_entry}/retry"
        assert requests.post(retry, timeout=60).status_code == 401
        bearer = {"Authorization": f"Bearer {token}"}
        held = requests.get(f"{base}{PREFIX}/api/review", headers=bearer, timeout=60)
        assert held.status_code == 200, held.text
        assert {h["article_id"] for h in held.json()["held"]} == {newsroom.lead, newsroom.second}
        # The UI's own cookie, as the iframe sends it.
        page = requests.get(f"{base}{PREFIX}/review", cookies={"_token": token}, timeout=60)
        assert page.status_code == 200 and newsroom.lead in page.text
        assert 'href="/required_actions?response_received=false"' in page.text
        # The UI's page gets the configured zone as its default; the REST API is left alone.
        ui = requests.get(f"{base}/", timeout=60)
        assert ui.status_code == 200 and snippet("Asia/Shanghai").decode() in ui.text
        plugins = requests.get(f"{base}/api/v2/plugins", headers=bearer, timeout=60)
        assert plugins.status_code == 200 and snippet("Asia/Shanghai") not in plugins.content
        ours = next(p for p in plugins.json()["plugins"] if p["name"] == "distro")
        assert [v["url_route"] for v in ours["external_views"]] == ["distro-desk"]
        assert [a["url_prefix"] for a in ours["fastapi_apps"]] == [PREFIX, CALLBACK_PREFIX]
        # WeChat cannot log in: its callback answers on its own signature check, not with 401.
        callback = requests.get(f"{base}{CALLBACK_PREFIX}/default", timeout=60)
        assert callback.status_code == 404, callback.text  # no callback_token: no such endpoint


@pytest.mark.parametrize("dag_id", [queries.REPUBLISH, queries.KILL])
def test_the_forms_conf_is_what_the_dag_accepts(tmp_path: Path, dag_id: str) -> None:
    newsroom = seed(tmp_path / "state")
    dag = factory.build(newsroom.settings)[dag_id]
    conf: dict[str, Any] = queries.trigger_conf(dag_id, [newsroom.lead], ["web"])
    # As the form opens, the reason is still empty: the DAG refuses it, as Airflow's form would.
    with pytest.raises(ParamValidationError, match="reason"):
        copy.deepcopy(dag.params).update(conf)
    conf["reason"] = "标题错字"
    params = copy.deepcopy(dag.params)
    params.update(conf)
    given = params.validate()
    assert given["article_ids"] == [newsroom.lead] and given["reason"] == "标题错字"
    assert set(given) == set(conf)
