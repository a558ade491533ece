"""DAG integrity: the DAG folder imports cleanly and the factory follows the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from distro import config
from distro.errors import ConfigError
from tests.airflow.conftest import REPO

WIRE_AND_FEEDS = """
[[sources]]
kind = "inbox"
name = "desk"
group = "wire"
schedule = "*/3 * * * *"

[[sources]]
kind = "feed"
name = "xinhua"
group = "agencies"
url = "http://127.0.0.1:9/feed.xml"
schedule = "5 * * * *"

[channels.app]
enabled = false

[channels.wechat]
schedules = ["30 6 * * *", "0 12 * * *", "0 19 * * *"]
pool = "wx_official"
pool_slots = 2

[[partners]]
name = "sohu"
token = "env:SOHU_TOKEN"
"""


def load(tmp_path: Path, text: str | None) -> config.Settings:
    if text is None:
        return config.load(None, tmp_path / "state")
    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, tmp_path / "state")


def test_dag_folder_imports_without_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {
        "ingest_wire",
        "publish_web",
        "publish_app",
        "publish_wechat",
        "republish",
        "kill",
        "sweep",
    }
    for dag in bag.dags.values():
        assert dag.tags and "distro" in dag.tags, dag.dag_id
        for task in dag.tasks:
            assert task.owner == "distro", (dag.dag_id, task.task_id)
            assert task.retries >= 1, (dag.dag_id, task.task_id)
            assert task.retry_exponential_backoff, (dag.dag_id, task.task_id)
            assert task.retry_policy is not None, (dag.dag_id, task.task_id)


def test_dags_serialize_as_the_scheduler_stores_them(tmp_path: Path) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    from distro.airflow import factory

    for dag in factory.build(load(tmp_path, WIRE_AND_FEEDS)).values():
        data = DagSerialization.to_dict(dag)
        again = DagSerialization.from_dict(data)
        assert again.dag_id == dag.dag_id
        assert {task.task_id for task in again.tasks} == {task.task_id for task in dag.tasks}


def test_the_config_file_decides_the_dags(tmp_path: Path) -> None:
    from airflow.sdk import AssetOrTimeSchedule, MultipleCronTriggerTimetable

    from distro.airflow import factory

    settings = load(tmp_path, WIRE_AND_FEEDS)
    dags = factory.build(settings)
    assert set(dags) == {
        "ingest_wire",
        "ingest_agencies",
        "publish_web",
        "publish_partners",
        "publish_wechat",
        "republish",
        "kill",
        "sweep",
    }
    wire = dags["ingest_wire"].timetable
    assert isinstance(wire, AssetOrTimeSchedule)
    (watcher,) = factory.inbox_asset(settings, settings.config.sources[0]).watchers
    assert watcher.trigger.directory == str(settings.state.inbox)
    agencies = dags["ingest_agencies"].timetable
    assert (agencies.expression, agencies.timezone) == ("5 * * * *", "Asia/Shanghai")
    wechat = dags["publish_wechat"]
    assert isinstance(wechat.timetable, MultipleCronTriggerTimetable)
    assert [t.expression for t in wechat.timetable.timetables] == [
        "30 6 * * *",
        "0 12 * * *",
        "0 19 * * *",
    ]
    publish, wait = wechat.get_task("publish"), wechat.get_task("await_published")
    assert (publish.pool, publish.pool_slots) == ("wx_official", 2)
    assert wait.upstream_task_ids == {"publish"} and wait.pool == "wx_official"
    assert wait.probe_kwargs == {
        "config": str(settings.config_path),
        "state": str(settings.state.root),
        "target": "default",
    }
    assert isinstance(dags["publish_web"].timetable, AssetOrTimeSchedule)


def test_switching_a_channel_off_removes_its_dag(tmp_path: Path) -> None:
    from distro.airflow import factory

    dags = factory.build(load(tmp_path, "[channels.wechat]\nenabled = false\n"))
    assert "publish_wechat" not in dags
    assert {"publish_web", "publish_app"} <= set(dags)


def test_a_second_wechat_account_is_one_more_config_entry_and_one_more_dag(
    tmp_path: Path,
) -> None:
    from distro import channels
    from distro.airflow import factory

    text = WIRE_AND_FEEDS + (
        '\n[[channels.wechat.accounts]]\nname = "district"\nconn_id = "wx_district"\n'
        'schedules = ["0 8 * * *"]\npool = "wx_district"\nreview = "always"\n'
    )
    settings = load(tmp_path, text)
    assert [t for c, t in channels.targets(settings) if c == "wechat"] == ["default", "district"]
    dags = factory.build(settings)
    paper, district = dags["publish_wechat"], dags["publish_wechat__district"]
    assert district.timetable.expression == "0 8 * * *"
    assert len(paper.timetable.timetables) == 3  # the paper's own three editions
    assert district.get_task("publish").pool == "wx_district"
    assert district.get_task("await_published").probe_kwargs["target"] == "district"
    # the district's gate holds its articles; the paper's account is not gated
    assert "review_wechat" in dags
    from distro import review

    assert review.policy(settings, "wechat", "district") == "always"
    assert review.policy(settings, "wechat", "default") == "auto"
    # a bad cron of the district account takes only its DAG down
    broken = load(tmp_path, text.replace('"0 8 * * *"', '"0 25 * * *"'))
    rebuilt = factory.build(broken)
    assert isinstance(rebuilt["publish_wechat__district"], factory.MisconfiguredDAG)
    assert not isinstance(rebuilt["publish_wechat"], factory.MisconfiguredDAG)


def test_a_plugin_channel_gets_its_own_publish_and_review_dags(tmp_path: Path) -> None:
    from distro.airflow import factory

    text = f'[channels.example]\npath = "{tmp_path / "out"}"\nreview = "always"\n'
    text += 'schedule = "*/7 * * * *"\n'
    dags = factory.build(load(tmp_path, text))
    publish = dags["publish_example"]
    assert {"publish_example", "review_example"} <= set(dags)
    assert [t.task_id for t in publish.tasks] == ["publish"]
    assert publish.timetable.timetable.expression == "*/7 * * * *"  # its sweep, besides events
    offered = dict(dags["republish"].params.items())["channels"].schema["examples"]
    assert offered == ["web", "app", "wechat", "example"]


def test_republish_form_offers_the_enabled_channels(tmp_path: Path) -> None:
    from distro.airflow import factory

    dag = factory.build(load(tmp_path, WIRE_AND_FEEDS))["republish"]
    schema = {name: param.schema for name, param in dag.params.items()}
    assert schema["channels"]["type"] == ["array", "null"]
    assert schema["channels"]["examples"] == ["web", "partners", "wechat"]
    assert schema["article_ids"]["type"] == "array"
    assert schema["reason"]["minLength"] == 1
    assert schema["note"]["type"] == ["string", "null"]
    assert schema["push"]["enum"] == ["auto", "notify", "silent"]
    assert dag.params["push"] == "auto"


def test_a_kill_takes_articles_back_from_each_wechat_account_in_its_pool(
    tmp_path: Path,
) -> None:
    from distro.airflow import factory

    text = '[[channels.wechat.accounts]]\nname = "district"\nconn_id = "wx_district"\n'
    dags = factory.build(load(tmp_path, text))
    backs = {t.task_id: t for t in dags["kill"].tasks if t.task_id.startswith("take_back_")}
    # one per account, none for the event channels (their own runs take the kill)
    assert set(backs) == {"take_back_wechat", "take_back_wechat__district"}
    for lane, task in backs.items():
        assert task.upstream_task_ids == {"withdraw"}
        publish = dags[lane.replace("take_back_", "publish_")].get_task("publish")
        assert (task.pool, task.pool_slots) == (publish.pool, publish.pool_slots)


def test_a_task_parse_builds_only_its_own_dag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Airflow names the DAG a task runs in (its parsing context): the file builds that one."""
    from distro.airflow import factory

    settings = load(tmp_path, '[channels.wechat]\nreview = 0.8\n')
    every = factory.build(settings)
    assert {"publish_web", "review_wechat", "ingest_wire"} <= set(every)
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "review_wechat")
    assert list(factory.build(settings)) == ["review_wechat"]
    # an id this file does not declare (another file's DAG) leaves the file as it is
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "someone_elses_dag")
    assert set(factory.build(settings)) == set(every)


def test_a_review_gate_gets_a_review_dag_with_a_human_step(tmp_path: Path) -> None:
    from airflow.providers.standard.operators.hitl import HITLOperator

    from distro.airflow import factory

    assert not any(name.startswith("review_") for name in factory.build(load(tmp_path, None)))
    gated = '[channels.wechat]\nreview = 0.8\n\n[review]\neditors = ["wang"]\n'
    dags = factory.build(load(tmp_path, gated))
    assert [name for name in dags if name.startswith("review_")] == ["review_wechat"]
    dag = dags["review_wechat"]
    ask = dag.get_task("ask_editor")
    assert isinstance(ask, HITLOperator)
    # retries, for a start or resume Airflow lost (each keeps an answer already given: the
    # editors' tests); a timeout is final (the retry policy)
    assert ask.options == ["Approve", "Reject", "Correct"] and ask.retries == 3
    assert ask.assigned_users == [{"id": "wang", "name": "wang"}]
    assert set(ask.params) == {"only", "reason", "corrections"}
    # the editor types corrections into a text box: a string, as Airflow's form shows one
    assert ask.params.get_param("corrections").schema["type"] == "string"
    assert dag.get_task("decide").upstream_task_ids == {"ask_editor"}
    assert ask.upstream_task_ids == {"collect"}
    assert dag.max_active_runs == 1


def test_a_mass_account_held_for_editors_gets_an_edition_review_dag(tmp_path: Path) -> None:
    from airflow.providers.standard.operators.hitl import HITLOperator
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

    from distro.airflow import factory

    text = '[channels.wechat]\nmode = "mass"\napprove = "editor"\n'
    text += '\n[[channels.wechat.accounts]]\nname = "district"\nconn_id = "wx_district"\n'
    text += 'schedules = ["0 8 * * *"]\napprove = "auto"\n'  # inherits 群发, sent unseen
    dags = factory.build(load(tmp_path, text))
    assert [name for name in dags if name.startswith("review_")] == ["review_wechat_editions"]
    dag = dags["review_wechat_editions"]
    assert isinstance(dag.get_task("ask_editor"), HITLOperator)
    assert dag.get_task("ask_editor").options == ["Approve", "Reject"]
    send = dag.get_task("send")
    assert isinstance(send, TriggerDagRunOperator)
    assert send.trigger_dag_id == "publish_wechat"  # the account's own lane, run at once
    order = [t.task_id for t in dag.topological_sort()]
    assert order == ["collect", "ask_editor", "decide", "send"]
    # the district account sends without an editor: no request for it
    district = text.replace('approve = "auto"', 'approve = "editor"')
    both = factory.build(load(tmp_path, district))
    assert both["review_wechat_editions__district"].get_task("send").trigger_dag_id == (
        "publish_wechat__district"
    )


@pytest.mark.parametrize(
    ("text", "broken", "field"),
    [
        ('[channels.web]\nschedule = "0 25 * * *"\n', "publish_web", "channels.web.schedule"),
        ('[channels.app]\nschedule = "0 7 * *"\n', "publish_app", "channels.app.schedule"),
        ('[channels.wechat]\nschedules = ["every morning"]\n', "publish_wechat",
         "channels.wechat.schedules.0"),
        ('[[sources]]\nkind = "inbox"\nschedule = "61 * * * *"\n', "ingest_wire",
         "sources.0.schedule"),
    ],
)  # fmt: skip
def test_one_bad_schedule_is_one_import_error_and_the_other_dags_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, broken: str, field: str
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    bag = DagBag(dag_folder=str(REPO / "dags"))
    [error] = bag.import_errors.values()
    assert f"{broken}: {field}: invalid cron" in error
    everything = {"ingest_wire", "publish_web", "publish_app", "publish_wechat", "republish"}
    assert set(bag.dag_ids) == (everything | {"sweep", "kill"}) - {broken}
    # The tasks of the other DAGs still load the config they run with.
    assert config.load().config.channels.web.enabled


@pytest.mark.parametrize(
    ("text", "broken", "field"),
    [
        ("[channels.app]\npage_size = 0\n", {"publish_app"}, "channels.app.page_size"),
        ('[channels.wechat]\nedition_size = "eight"\n', {"publish_wechat"}, "edition_size"),
        (
            '[[sources]]\nkind = "inbox"\nname = "desk"\n\n'
            '[[sources]]\nkind = "feed"\nname = "agency"\ngroup = "agencies"\nurl = 5\n',
            {"ingest_agencies"},
            "sources.1.feed.url",
        ),
        (
            '[[partners]]\nname = "BAD NAME"\ntoken = "env:T"\n',
            {"publish_partners"},
            "partners.0.name",
        ),
        # a plugin channel's section, validated by the options model its package declares
        ("[channels.example]\ntargets = []\n", {"publish_example"}, "channels.example.path"),
    ],
)
def test_one_bad_entry_of_any_kind_is_one_import_error_and_the_rest_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, broken: set[str], field: str
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    bag = DagBag(dag_folder=str(REPO / "dags"))
    [error] = bag.import_errors.values()
    assert field in error
    assert not broken & set(bag.dag_ids)
    assert {"publish_web", "republish", "kill", "sweep"} <= set(bag.dag_ids)
    # the tasks of the other DAGs read the rest of the file; the strict loader still refuses it
    from distro.airflow import tasks

    assert tasks.settings_now().config.channels.web.enabled
    with pytest.raises(ConfigError):
        config.load()


def test_a_global_mistake_still_fails_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "distro.toml"
    path.write_text('timezone = "Asia/Shangai"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="timezone"):
        config.load_lenient(path, tmp_path / "state")
