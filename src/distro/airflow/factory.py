"""The DAG factory: ingest DAGs per source group, one publish DAG per enabled channel, the
editors' `republish` DAG and a periodic `sweep`, all read from the config file.

Parsing reads the config file and nothing else; every task loads the settings again when it runs
(DISTRO_CONFIG / DISTRO_STATE), so changing the file changes the DAGs with no code change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from airflow.sdk import (
    DAG,
    Asset,
    AssetAlias,
    AssetAny,
    AssetOrTimeSchedule,
    AssetWatcher,
    CronTriggerTimetable,
    MultipleCronTriggerTimetable,
    Param,
    TriggerRule,
    get_current_context,
    get_parsing_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from distro import channels, review, workflows
from distro.airflow import tasks
from distro.airflow.failures import DistroRetryPolicy, task_errors
from distro.config import InboxSourceConfig, Settings
from distro.errors import ConfigError

OWNER = "distro"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
#: How often `sweep` looks for deliveries no event woke (apache/airflow#56050) and lets out
#: embargoes that have passed: an embargoed article goes out within a minute of its time.
SWEEP = "* * * * *"
#: Inbox groups also look on a clock, for files dropped while the triggerer was down.
INBOX_SWEEP = "*/10 * * * *"
#: Signals ride on one alias so a task announces only the channels that have new work.
SIGNALS = AssetAlias("distro_signals")
INBOX_POLL_SECONDS = 1.0


def defaults(retries: int = 3) -> dict[str, Any]:
    """Task defaults: transient errors retry with exponential backoff, terminal ones fail."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": dt.timedelta(seconds=15),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=30),
        "retry_policy": DistroRetryPolicy(),
        "execution_timeout": dt.timedelta(minutes=30),
    }


def channel_asset(channel: str) -> Asset:
    """The asset whose events mean "channel has pending deliveries"."""
    return Asset(name=f"distro_pending_{channel}", uri=f"x-distro://pending/{channel}")


def held_asset(channel: str) -> Asset:
    """The asset whose events mean "an article may wait at channel's review gate"."""
    return Asset(name=f"distro_held_{channel}", uri=f"x-distro://held/{channel}")


def inbox_path(settings: Settings, source: InboxSourceConfig) -> Path:
    return Path(source.path).absolute() if source.path else settings.state.inbox


def inbox_asset(settings: Settings, source: InboxSourceConfig) -> Asset:
    """The inbox as an asset, watched by the triggerer so a dropped file starts ingestion."""
    # Imported here: a task's parse of another DAG (Airflow's parsing context) skips it.
    from distro.airflow.triggers import InboxTrigger

    folder = inbox_path(settings, source)
    trigger = InboxTrigger(
        directory=str(folder), pattern=source.pattern, poke_interval=INBOX_POLL_SECONDS
    )
    return Asset(
        name=f"distro_inbox_{source.name}",
        uri=f"file://{folder}",
        watchers=[AssetWatcher(name=f"distro_inbox_{source.name}_watcher", trigger=trigger)],
    )


def clock(
    crons: list[str], timezone: str
) -> CronTriggerTimetable | MultipleCronTriggerTimetable | None:
    """One timetable for the given crons (None when there are none)."""
    unique = list(dict.fromkeys(crons))
    if not unique:
        return None
    if len(unique) == 1:
        return CronTriggerTimetable(unique[0], timezone=timezone)
    return MultipleCronTriggerTimetable(*unique, timezone=timezone)


def schedule(assets: list[Asset], crons: list[str], timezone: str) -> Any:
    """`assets | cron`: an event starts a run at once, the clock catches whatever events missed."""
    timetable = clock(crons, timezone)
    if not assets:
        return timetable
    condition = assets[0] if len(assets) == 1 else AssetAny(*assets)
    if timetable is None:
        return condition
    return AssetOrTimeSchedule(timetable=timetable, assets=condition)


def announce(names: list[str], extra: dict[str, Any], *, held: list[str] | None = None) -> None:
    """Emit a signal event for each channel in ``names`` (and each gate in ``held``)."""
    outlet_events = get_current_context()["outlet_events"]
    for name in names:
        outlet_events[SIGNALS].add(channel_asset(name), extra=extra)
    for name in held or []:
        outlet_events[SIGNALS].add(held_asset(name), extra=extra)


def ingest_dag(settings: Settings, group: str) -> DAG:
    from distro.airflow import queues  # S3 events and sources: ingest DAGs only

    sources = [source for source in settings.config.sources if source.group == group]
    inboxes = [source for source in sources if isinstance(source, InboxSourceConfig)]
    crons = [source.schedule for source in sources if source.schedule]
    if inboxes and not crons:
        crons = [INBOX_SWEEP]
    assets = [inbox_asset(settings, source) for source in inboxes] + queues.event_assets(sources)
    names = ", ".join(source.name for source in sources)
    with DAG(
        dag_id=workflows.ingest(group),
        description=f"Ingest source group {group} ({names}) and wake the channels.",
        schedule=schedule(assets, crons, settings.config.timezone),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=defaults(),
        tags=["distro", "ingest", group],
    ) as dag:

        @task(task_id="ingest", outlets=[SIGNALS])
        @task_errors
        def ingest() -> dict[str, Any]:
            result = queues.ingest(group)  # S3 event keys first, then tasks.ingest
            if result["accepted"] or result["new_versions"]:
                current = tasks.settings_now()
                gates = [name for name in channels.enabled(current) if review.gated(current, name)]
                announce(tasks.signalled(current), {"group": group, **result}, held=gates)
            return result

        ingest()
    return dag


def lane_pool(lane: channels.Lane) -> dict[str, Any]:
    """A lane task's pool arguments: it takes every slot, so one such task runs at a time."""
    if lane.pool is None:
        return {}
    return {"pool": lane.pool[0], "pool_slots": lane.pool[1]}


def publish_dag(settings: Settings, channel: str, lane: channels.Lane) -> DAG:
    """One lane of a channel: woken by its signal (event channels) or on its clock only."""
    spec = channels.get(channel)
    pool = lane_pool(lane)
    assets = [] if spec.on_clock else [channel_asset(channel)]
    which = f" (target {lane.target})" if lane.target else ""
    with DAG(
        dag_id=workflows.publish(channel, lane.target),
        description=f"Publish what the ledger holds pending for the {channel} channel{which}.",
        schedule=schedule(assets, list(lane.crons), settings.config.timezone),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=defaults(),
        tags=["distro", "publish", channel],
    ) as dag:

        published: Any
        if spec.shards and lane.target is None:
            published = sharded(settings, channel, pool)
        else:

            @task(task_id="publish", **pool)
            @task_errors
            def publish() -> dict[str, Any]:
                if lane.late_minutes is not None:
                    late = tasks.missed(get_current_context()["dag_run"], lane.late_minutes)
                    if late:
                        raise AirflowSkipException(late)
                return tasks.publish(channel, lane.target)

            published = publish()
        if spec.probe is not None:
            from distro.airflow.waits import AwaitStatus  # probe channels' DAGs only

            # Asynchronous publishing: wait in the triggerer, not in a worker slot.
            where: dict[str, Any] = {
                "config": str(settings.config_path.absolute()) if settings.config_path else None,
                "state": str(settings.state.root),
            }
            if lane.target is not None:
                where["target"] = lane.target
            published >> AwaitStatus(
                task_id="await_published", probe=spec.probe, probe_kwargs=where, **pool
            )
    return dag


def sharded(settings: Settings, channel: str, pool: dict[str, Any]) -> Any:
    """``plan`` → ``publish`` mapped over the shards (→ ``finish`` when a target is split).

    Tasks grow with shards (targets with work, and the hash buckets of the targets split into
    buckets), never with articles. A whole target's shard publishes it completely. A bucket
    does only its articles' own work (a webhook push) and records it on each delivery; when the
    config splits any target, ``finish`` then writes each split target's aggregate files (a
    feed) once and closes those deliveries, whatever the buckets did (``all_done``: one failing
    bucket never holds the feeds back), and ``shards_failed`` is the run's verdict. A retried
    shard re-plans nothing: Airflow retries the mapped task instance with its own shard, and
    what an earlier try did is in the ledger.
    """
    split = channels.split(settings, channel)

    @task(task_id="plan")
    @task_errors
    def plan() -> list[dict[str, Any]]:
        return tasks.shards(channel)

    @task(
        task_id="publish",
        max_active_tis_per_dagrun=settings.config.limits.publish_parallelism,
        map_index_template="{{ shard_label }}",
        **pool,
    )
    @task_errors
    def publish_shard(shard: dict[str, Any]) -> dict[str, Any]:
        result = tasks.deliver(channel, shard)
        get_current_context()["shard_label"] = result["shard"]  # type: ignore[typeddict-unknown-key]
        return result

    planned: Any = plan()  # an XComArg: the list of shards
    published = publish_shard.expand(shard=planned)
    if not split:
        return published

    @task(task_id="finish", trigger_rule=TriggerRule.ALL_DONE, **pool)
    @task_errors
    def finish(shards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return tasks.finish(channel, shards)

    @task(task_id="shards_failed", trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def shards_failed() -> None:
        raise AirflowFailException(f"a {channel} shard failed after its retries (see publish)")

    published >> finish(planned)
    published >> shards_failed()
    return published


def editor_dag(dag_id: str, description: str, params: dict[str, Any]) -> DAG:
    """A DAG an editor triggers with a form (no schedule)."""
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=None,
        start_date=START,
        catchup=False,
        params=params,
        default_args=defaults(),
        tags=["distro", dag_id],
    )


def republish_dag(settings: Settings) -> DAG:
    names = channels.enabled(settings)
    params = {
        "article_ids": Param(
            [],
            type="array",
            items={"type": "string"},
            minItems=1,
            title="Article ids",
            description="One id per line, e.g. a-0123456789abcdef0123.",
        ),
        "channels": Param(
            None,
            type=["array", "null"],
            examples=names,
            title="Channels",
            description="Redeliver to these channels only; empty means every enabled channel.",
        ),
        "reason": Param(
            "", type="string", minLength=1, title="Reason", description="Why it is republished."
        ),
        "note": Param(
            None,
            type=["string", "null"],
            title="Correction note",
            description="Shown with the article (optional).",
        ),
        "embargo_until": Param(
            None,
            type=["string", "null"],
            title="Embargo until",
            description="Hold the new version on every channel until this time (ISO 8601, "
            "e.g. 2026-12-02T06:00; without an offset it is the newsroom's time zone).",
        ),
        "push": Param(
            tasks.PUSH_BY_RULES,
            type="string",
            enum=[tasks.PUSH_BY_RULES, "notify", "silent"],
            title="Push notification",
            description="App channel: auto follows the push rules; notify or silent overrides.",
        ),
    }
    with editor_dag(
        workflows.REPUBLISH,
        "Make a new version of articles and redeliver it to the chosen channels.",
        params,
    ) as dag:

        @task(task_id="revise", outlets=[SIGNALS])
        @task_errors
        def revise() -> dict[str, Any]:
            context = get_current_context()
            given = context["params"]
            result = tasks.republish(
                given["article_ids"],
                given.get("channels"),
                given["reason"],
                given.get("note"),
                push=given.get("push"),
                embargo_until=given.get("embargo_until"),
                key=context["run_id"],
            )
            announce(tasks.woken(result["channels"]), {"republish": result["key"]})
            return result

        revise()
    return dag


def ask_editor(
    settings: Settings,
    options: list[str],
    things: str,
    ids: str,
    rejected: str,
    fields: dict[str, Param] | None = None,
) -> Any:
    """The human-in-the-loop task of a review DAG: the batch ``collect`` made, asked of editors.

    It waits in the triggerer (no worker slot) for ``[review] response_timeout_hours`` at most;
    the form offers *Only these <things>*, a *Reason* and any further ``fields``. An answer
    through the REST API names every field (Airflow refuses one that leaves any out).
    """
    from airflow.sdk.execution_time.hitl import HITLUser

    from distro.airflow.editors import EditorRequest

    cfg = settings.config.review
    timeout = dt.timedelta(hours=cfg.response_timeout_hours) if cfg.response_timeout_hours else None
    editors = [HITLUser(id=user, name=user) for user in cfg.editors]
    return EditorRequest(
        task_id="ask_editor",
        subject="{{ ti.xcom_pull(task_ids='collect')['subject'] }}",
        body="{{ ti.xcom_pull(task_ids='collect')['body'] }}",
        options=list(options),
        params={
            "only": Param(
                [],
                type="array",
                items={"type": "string"},
                title=f"Only these {things}",
                description=f"Decide only these {ids}; empty decides every one listed.",
            ),
            "reason": Param(
                "",
                type="string",
                title="Reason",
                description=f"Why ({rejected} quarantined with it).",
            ),
            **(fields or {}),
        },
        assigned_users=editors or None,
        response_timeout=timeout,
        # The wait is the response timeout's: no execution timeout may cut it short.
        execution_timeout=None,
        # Retries, for a request whose start or resume Airflow lost (a worker's call to the API
        # server answered late and was refused; an answer that resumed it at once): a later try
        # takes the answer already given (EditorRequest), or asks at once, not at the next clock
        # run. A timeout is final (DistroRetryPolicy).
        retries=3,
        retry_delay=dt.timedelta(seconds=5),
    )


def review_dag(settings: Settings, channel: str) -> DAG:
    """Editors decide on what the channel's review gate holds (Airflow's Required Actions)."""
    cfg = settings.config.review
    with DAG(
        dag_id=workflows.review(channel),
        description=f"Hold {channel} articles for an editor: approve sends, reject quarantines.",
        schedule=schedule([held_asset(channel)], [cfg.schedule], settings.config.timezone),
        start_date=START,
        catchup=False,
        # One open request per gate: the next run asks about whatever is still held then.
        max_active_runs=1,
        default_args=defaults(),
        tags=["distro", "review", channel],
    ) as dag:

        @task(task_id="collect")
        @task_errors
        def collect() -> dict[str, Any]:
            batch = tasks.review_collect(channel)
            if not batch["count"]:
                raise AirflowSkipException(f"nothing held for {channel}")
            return batch

        batch = collect()
        # Text, not an object: one `ID field: value` per line is what an editor can type.
        corrections = Param(
            "",
            type="string",
            format="multiline",
            title="Corrections",
            description="With Correct: one field per line, `a-… headline: 新标题` (kicker,"
            " headline, subheadline, byline, summary, section, paragraphs); the new version"
            " is asked about again.",
        )
        ask = ask_editor(
            settings,
            review.OPTIONS,
            "ids",
            "article ids",
            "a rejection is",
            {"corrections": corrections},
        )

        @task(task_id="decide", outlets=[SIGNALS])
        @task_errors
        def decide() -> dict[str, Any]:
            ti = get_current_context()["ti"]
            asked = ti.xcom_pull(task_ids="collect")
            answer = ti.xcom_pull(task_ids="ask_editor")
            result = tasks.review_decide(channel, asked, answer)
            # A corrected version is queued everywhere: wake what sends it, ask where it waits.
            wake = ([channel] if result["approved"] else []) + list(result.get("wake", []))
            gates = list(result.get("gates", []))
            if wake or gates:
                announce(tasks.woken(sorted(set(wake))), {"review": result["by"]}, held=gates)
            return result

        batch >> ask >> decide()
    return dag


def edition_review_dag(settings: Settings, channel: str, target: str) -> DAG:
    """Editors decide on a target's held editions (WeChat 群发 previewed, waiting to be sent).

    The request waits in the triggerer, not a worker slot; an approval starts the target's
    publish lane at once (a triggered run, so the edition is not kept for the next slot), and
    that run sends the edition, once.
    """
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

    gate = channels.registry.edition_gate(channels.get(channel))
    cfg = settings.config.review
    with DAG(
        dag_id=workflows.edition_review(channel, target),
        description=f"Hold {channel} editions of {target} for an editor: approve sends them.",
        schedule=clock([cfg.schedule], settings.config.timezone),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=defaults(),
        tags=["distro", "review", channel],
    ) as dag:

        @task(task_id="collect")
        @task_errors
        def collect() -> dict[str, Any]:
            batch = tasks.edition_collect(channel, target)
            if not batch["count"]:
                raise AirflowSkipException(f"no {channel} edition of {target} waits")
            return batch

        ask = ask_editor(settings, gate.OPTIONS, "editions", "edition ids", "a rejected edition's"
                         " articles are")  # fmt: skip

        @task.short_circuit(task_id="decide")
        @task_errors
        def decide() -> bool:
            ti = get_current_context()["ti"]
            asked = ti.xcom_pull(task_ids="collect")
            answer = ti.xcom_pull(task_ids="ask_editor")
            result = tasks.edition_decide(channel, target, asked, answer)
            ti.xcom_push(key="decided", value=result)
            return bool(result["approved"])

        send = TriggerDagRunOperator(
            task_id="send",
            trigger_dag_id=workflows.publish(channel, target),
        )
        collect() >> ask >> decide() >> send
    return dag


def kill_dag(settings: Settings) -> DAG:
    """The editors' takedown: a form of ids and a reason; every channel withdraws the articles."""
    params = {
        "article_ids": Param(
            [],
            type="array",
            items={"type": "string"},
            minItems=1,
            title="Article ids",
            description="One id per line, e.g. a-0123456789abcdef0123.",
        ),
        "reason": Param(
            "",
            type="string",
            minLength=1,
            title="Reason",
            description="Why it is withdrawn (legal, error, embargo broken …).",
        ),
    }
    with editor_dag(workflows.KILL, "Withdraw articles from every channel.", params) as dag:

        @task(task_id="withdraw", outlets=[SIGNALS])
        @task_errors
        def withdraw() -> dict[str, Any]:
            context = get_current_context()
            given = context["params"]
            result = tasks.kill(given["article_ids"], given["reason"], key=context["run_id"])
            announce(tasks.woken(result["channels"]), {"kill": result["key"]})
            return result

        killed = withdraw()
        # Clock channels (WeChat) take the articles back now, instead of with their next
        # edition: a task per lane (its failures and retries its own) in the lane's pool, so
        # it never runs beside that lane's edition.
        for name in channels.enabled(settings):
            spec = channels.get(name)
            if not spec.on_clock or spec.withdraw is None:
                continue
            try:
                lanes = channels.lanes(settings, name)
            except Exception:  # a bad section takes down that channel's DAGs, not the kill
                continue
            for lane in lanes:
                lane_id = workflows.publish(name, lane.target).removeprefix("publish_")

                @task(task_id=f"take_back_{lane_id}", **lane_pool(lane))
                @task_errors
                def take_back(name: str = name, target: str | None = lane.target) -> str:
                    asked = get_current_context()["ti"].xcom_pull(task_ids="withdraw")
                    if name not in asked["channels"]:
                        raise AirflowSkipException(f"nothing of this kill is on {name}")
                    return tasks.take_back(name, target)

                killed >> take_back()
    return dag


def sweep_dag(settings: Settings) -> DAG:
    with DAG(
        dag_id=workflows.SWEEP,
        description="Wake channels that still have pending deliveries no event woke.",
        schedule=CronTriggerTimetable(SWEEP, timezone=settings.config.timezone),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=defaults(retries=1),
        tags=["distro", "sweep"],
    ) as dag:

        @task(task_id="sweep", outlets=[SIGNALS])
        @task_errors
        def sweep() -> list[str]:
            waiting = tasks.pending()
            if not waiting:
                raise AirflowSkipException("nothing pending")
            announce(waiting, {"sweep": True})
            return waiting

        sweep()
    return dag


class MisconfiguredDAG(DAG):
    """Stands in for a DAG whose config entry is invalid.

    Airflow validates each DAG of a file on its own: this one's ``validate`` raises, which Airflow
    records as the file's import error (naming the field), and every other DAG still loads. A bad
    cron on one channel takes that channel's DAG offline, not ingest and the rest.
    """

    problems: tuple[str, ...] = ()

    def validate(self) -> None:
        raise ConfigError("; ".join(self.problems))


def misconfigured(dag_id: str, problems: list[str]) -> DAG:
    dag = MisconfiguredDAG(
        dag_id=dag_id,
        description="Not built: " + "; ".join(problems),
        schedule=None,
        start_date=START,
        catchup=False,
        tags=["distro", "misconfigured"],
    )
    dag.problems = tuple(problems)
    return dag


def channel_dags(settings: Settings, name: str) -> list[str]:
    """Every DAG id of channel ``name``: its lanes, its review gates when it has them."""
    ids = [workflows.publish(name, lane.target) for lane in channels.lanes(settings, name)]
    if review.gated(settings, name):
        ids.append(workflows.review(name))
    ids.extend(workflows.edition_review(name, t) for t in channels.edition_targets(settings, name))
    return ids


def affected(settings: Settings, broken: dict[str, list[str]]) -> dict[str, list[str]]:
    """DAG id -> problems, for the config scopes ``config.load_lenient`` set aside."""
    dags: dict[str, list[str]] = {}
    for scope, problems in broken.items():
        if scope.startswith("sources:"):
            ids = [workflows.ingest(scope.removeprefix("sources:"))]
        else:
            ids = []
            on = channels.enabled(settings)
            for name in channels.names():
                spec = channels.get(name)
                if scope == f"channels.{name}" or (scope in spec.scopes and name in on):
                    try:
                        ids.extend(channel_dags(settings, name))
                    except Exception:  # a section too broken to read still names its DAG
                        ids.append(workflows.publish(name))
            ids = list(dict.fromkeys(ids)) or [workflows.publish(scope.rpartition(".")[2])]
        for dag_id in ids:
            dags.setdefault(dag_id, []).extend(problems)
    return dags


def build(settings: Settings, broken: dict[str, list[str]] | None = None) -> dict[str, DAG]:
    """Every DAG the config declares, by dag_id, each built in isolation.

    A DAG whose schedule is invalid (or whose building fails) becomes a ``MisconfiguredDAG``
    naming the field; the import error it raises lists every broken DAG of the file.
    """
    builders: dict[str, Callable[[], DAG]] = {}
    for group in tasks.groups(settings):
        builders[workflows.ingest(group)] = partial(ingest_dag, settings, group)
    unreadable: dict[str, list[str]] = {}
    for name in channels.enabled(settings):
        try:
            lanes = channels.lanes(settings, name)
            gated = review.gated(settings, name)
        except Exception as exc:  # a channel whose options cannot be read stops only itself
            unreadable[workflows.publish(name)] = [f"{type(exc).__name__}: {exc}"]
            continue
        for lane in lanes:
            builders[workflows.publish(name, lane.target)] = partial(
                publish_dag, settings, name, lane
            )
        if gated:
            builders[workflows.review(name)] = partial(review_dag, settings, name)
        try:
            holders = channels.edition_targets(settings, name)
        except Exception as exc:  # as above: only this channel's DAGs go
            unreadable[workflows.publish(name)] = [f"{type(exc).__name__}: {exc}"]
            holders = []
        for target in holders:
            builders[workflows.edition_review(name, target)] = partial(
                edition_review_dag, settings, name, target
            )
    builders[workflows.REPUBLISH] = partial(republish_dag, settings)
    builders[workflows.KILL] = partial(kill_dag, settings)
    builders[workflows.SWEEP] = partial(sweep_dag, settings)
    failed = tasks.misconfigured(settings) | unreadable
    for dag_id, problems in affected(settings, broken or {}).items():
        failed.setdefault(dag_id, []).extend(problems)
    broken = failed
    # A task's own parse of this file needs one DAG: Airflow says which, the rest is start-up.
    wanted = get_parsing_context().dag_id
    if wanted is not None and (wanted in builders or wanted in broken):
        builders = {wanted: builders[wanted]} if wanted in builders else {}
        broken = {wanted: broken[wanted]} if wanted in broken else {}
    dags: dict[str, DAG] = {}
    for dag_id, make in builders.items():
        if dag_id in broken:
            continue
        try:
            dags[dag_id] = make()
        except Exception as exc:  # one DAG that cannot be built must not hide the others
            broken[dag_id] = [f"{type(exc).__name__}: {exc}"]
    every = [f"{dag_id}: {line}" for dag_id, lines in broken.items() for line in lines]
    for dag_id in broken:
        dags[dag_id] = misconfigured(dag_id, every)
    return dags
