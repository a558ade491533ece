"""`distro up` / `distro down`: a local Airflow on 127.0.0.1 running distro's DAGs.

The four parts run as separate processes (api-server, scheduler, dag-processor, triggerer), each
with its own pid file under ``<state>/airflow``; SQLite metadata, LocalExecutor, no log servers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from distro import channels, service, workflows
from distro.airflow import tasks
from distro.airflow.rest import AirflowClient, AirflowRefused
from distro.config import Settings
from distro.errors import ConfigError, DistroError
from distro.store.ledger import Ledger

USER = "admin"
#: Where `distro up` tells what it is doing (one line each).
Progress = Callable[[str], None]
PARTS: dict[str, list[str]] = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
#: What the LocalExecutor's fork server imports for every task to inherit: Airflow's own
#: (the documented example: airflow, the executor), the task runner and DAG bag each task
#: starts with, and distro's hot path (the DAG file's factory, ingest, the web channel).
#: A module that cannot be found is skipped by Python's fork server (an ImportError is ignored).
PRELOAD = (
    "airflow",
    "airflow.executors.local_executor",
    "airflow.sdk.execution_time.task_runner",
    "airflow.dag_processing.dagbag",
    "distro.airflow.factory",
    "distro.pipeline",
    "distro.channels.web.publish",
)
REPO_DAGS = Path(__file__).resolve().parents[3] / "dags"
DAG_FILE = "distro_dags.py"
DAG_SOURCE = '''"""distro's DAGs, declared from the config file (DISTRO_CONFIG, DISTRO_STATE)."""

from distro import config
from distro.airflow import factory

globals().update(factory.build(config.load()))
'''
#: Parts this process started, kept so they are reaped (and never reported as leaked) on down.
_children: dict[int, subprocess.Popen[bytes]] = {}


class StackError(DistroError):
    """The local Airflow did not start or stop as asked."""


@dataclass(frozen=True)
class Stack:
    """Where a local Airflow lives and how to reach it."""

    settings: Settings

    @property
    def home(self) -> Path:
        return self.settings.state.root / "airflow"

    @property
    def url(self) -> str:
        return self.settings.config.airflow.api_url.rstrip("/")

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
            raise ConfigError(
                f"airflow.api_url {self.url!r}: `distro up` serves on http://127.0.0.1:<port>"
            )
        return parts.port

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def pid_file(self, part: str) -> Path:
        return self.home / f"{part}.pid"

    def log_file(self, part: str) -> Path:
        return self.home / "logs" / f"{part}.out"

    def password(self) -> str | None:
        """The admin password: DISTRO_AIRFLOW_PASSWORD (or the configured reference) when set,
        else the one `distro up` generated and kept in the passwords file."""
        from distro import secrets as refs

        try:
            return refs.resolve(self.settings.config.airflow.password)
        except ConfigError:
            pass
        try:
            known = json.loads(self.passwords_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = known.get(USER)
        return str(value) if value else None

    def client(self) -> AirflowClient:
        password = self.password()
        if not password:
            raise ConfigError(
                "no Airflow login: set DISTRO_AIRFLOW_PASSWORD or start the stack with `distro up`"
            )
        return AirflowClient(self.url, self.settings.config.airflow.username, password)

    def secret(self, name: str) -> str:
        """A random value kept in the Airflow home, the same for every part and every start."""
        path = self.home / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(32))
        return path.read_text(encoding="utf-8").strip()

    def environment(self) -> dict[str, str]:
        """The environment every part runs with."""
        dags = os.environ.get("DISTRO_DAGS_FOLDER") or str(self.dags_folder())
        env = dict(os.environ)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": dags,
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": self.secret("api-secret-key"),
                "AIRFLOW__API_AUTH__JWT_SECRET": self.secret("jwt-secret"),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
                # One scheduler loop per second keeps drop-to-publish latency low on SQLite.
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
                # Airflow 3.3's documented start method for the LocalExecutor's workers
                # (`[core] mp_start_method`, per component; Python 3.14's default): they come
                # from a fork server that imported these modules once, and each task forks
                # from a worker, so it no longer imports the task runner, the DAG bag and
                # distro's DAG factory, ingest pipeline and web channel again (about 1 s of
                # every task on this machine, twice per drop). The price: a change to distro's
                # code reaches tasks at the next `distro up`, as Airflow's plugins do.
                "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
                "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": ",".join(PRELOAD),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
                # A task's start is one call to the API server, which on SQLite waits its turn
                # for the database: past the default 5 s the worker calls again, the first call
                # has already marked the task running, the second is refused, and Airflow fails
                # a task that never ran (a retry, or an editor's answer asked again). Wait.
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
                "DISTRO_STATE": str(self.settings.state.root),
            }
        )
        # Every task is a new process importing Airflow and distro: without cached bytecode it
        # compiles them again each time (seconds of every task's start-up on a small machine).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if self.settings.config_path is not None:
            env["DISTRO_CONFIG"] = str(self.settings.config_path.absolute())
        else:
            env.pop("DISTRO_CONFIG", None)
        return env

    def dags_folder(self) -> Path:
        """The repository's dags/, or (installed from a wheel) a copy of its one DAG file."""
        if (REPO_DAGS / DAG_FILE).is_file():
            return REPO_DAGS
        folder = self.home / "dags"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DAG_FILE).write_text(DAG_SOURCE, encoding="utf-8")
        return folder

    def alive(self, part: str) -> int | None:
        """The pid of ``part`` when its pid file names a live process."""
        try:
            pid = int(self.pid_file(part).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        child = _children.get(pid)
        if child is not None:
            # Our own child: poll() reaps it, or an exited part would linger as a live zombie.
            return pid if child.poll() is None else None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def running(self) -> dict[str, int]:
        return {part: pid for part in PARTS if (pid := self.alive(part)) is not None}


def airflow_command() -> str:
    """The `airflow` script of this environment."""
    candidate = Path(sys.executable).with_name("airflow")
    if not candidate.exists():
        raise StackError(f"no airflow command beside {sys.executable}")
    return str(candidate)


def migrate(env: dict[str, str]) -> None:
    """Create or upgrade the Airflow metadata database that ``env`` points to."""
    done = subprocess.run(
        [airflow_command(), "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"airflow db migrate failed: {done.stderr.strip()[-2000:]}")


def write_passwords(stack: Stack) -> str:
    """The fixed login, written before start-up so the API server never generates one."""
    password = stack.password() or secrets.token_urlsafe(12)
    fd = os.open(stack.passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    os.fchmod(fd, 0o600)  # never readable by others, not even for a moment
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({USER: password}))
    return password


def expected_dags(settings: Settings) -> set[str]:
    """The dag ids the factory makes for ``settings`` (computed without importing airflow)."""
    # A DAG whose schedule is invalid shows as an import error and never loads: not waited for.
    return set(tasks.schedule_paths(settings)) - set(tasks.misconfigured(settings))


def _quiet(line: str) -> None:
    pass


def wait_healthy(
    stack: Stack, client: AirflowClient, deadline: float, progress: Progress = _quiet
) -> None:
    last = "no answer"
    told = ""
    while time.monotonic() < deadline:
        dead = [part for part in PARTS if stack.alive(part) is None]
        if dead:
            tail = stack.log_file(dead[0]).read_text(encoding="utf-8", errors="replace")[-1500:]
            raise StackError(f"{dead[0]} exited during start-up; its log ends:\n{tail}")
        try:
            health = client.health()
        except DistroError as exc:
            last = exc.message
        else:
            states = {name: info.get("status") for name, info in health.items()}
            if all(status == "healthy" for status in states.values()) and len(states) >= 4:
                progress("Airflow is healthy")
                return
            last = json.dumps(states)
            shown = ", ".join(f"{name} {status}" for name, status in sorted(states.items()))
            if shown != told:
                progress(f"health: {shown}")
                told = shown
        time.sleep(1.0)
    raise StackError(f"Airflow not healthy at {stack.url} in time; last: {last}")


def wait_dags(
    stack: Stack,
    client: AirflowClient,
    want: set[str],
    deadline: float,
    progress: Progress = _quiet,
) -> None:
    seen: set[str] = set()
    told = -1
    while time.monotonic() < deadline:
        response = client.call("GET", "/api/v2/dags", params={"tags": "distro", "limit": 100})
        if response.ok:
            seen = {dag["dag_id"] for dag in response.json()["dags"]}
            loaded = len(want & seen)
            if loaded != told:
                progress(f"DAGs loaded: {loaded} of {len(want)}")
                told = loaded
            if want <= seen:
                return
        time.sleep(1.0)
    raise StackError(f"DAGs not loaded in time; missing: {', '.join(sorted(want - seen))}")


def ensure_pools(settings: Settings, client: AirflowClient) -> None:
    """Pools for rate-limited APIs (the channels' lanes), created or resized to their slots."""
    pools: dict[str, tuple[int, str]] = {}
    for name in channels.enabled(settings):
        for lane in channels.lanes(settings, name):
            if lane.pool is not None:
                pool, slots = lane.pool
                pools[pool] = (max(slots, pools.get(pool, (0, ""))[0]), f"{name} API calls")
    for pool, (slots, description) in pools.items():
        # Airflow 3 validates a PATCH against the whole pool: include_deferred must be sent too,
        # or the second `distro up` on the same state fails with a 422.
        body = {
            "name": pool,
            "slots": slots,
            "description": description,
            "include_deferred": False,
        }
        response = client.call("POST", "/api/v2/pools", json=body)
        if response.status_code == 409:
            response = client.call("PATCH", f"/api/v2/pools/{pool}", json=body)
        client.check(response)


def up(
    settings: Settings,
    *,
    timeout: float = 180.0,
    catch_up: bool = False,
    progress: Progress = _quiet,
) -> Stack:
    """Start the local Airflow (no-op for parts already running); returns when it is healthy and
    distro's DAGs are loaded. Editions missed while it was down are skipped unless ``catch_up``
    (then those due before now go out once, late)."""
    stack = Stack(settings)
    stack.home.mkdir(parents=True, exist_ok=True)
    (stack.home / "logs").mkdir(exist_ok=True)
    settings.state.inbox.mkdir(parents=True, exist_ok=True)
    write_passwords(stack)
    Ledger.open(settings).close()
    env = stack.environment()
    env[tasks.LEDGER_READY] = settings.store_url
    if catch_up:
        env[service.CATCH_UP_UNTIL] = dt.datetime.now(dt.UTC).isoformat()
    deadline = time.monotonic() + timeout
    if not stack.running():
        if reachable(stack.url):
            raise StackError(f"something else already answers at {stack.url}")
        progress("migrating Airflow's database (the first start takes a minute)")
        migrate(env)
    for part, args in PARTS.items():
        if stack.alive(part) is not None:
            progress(f"{part} already running")
            continue
        with stack.log_file(part).open("ab") as log:
            process = subprocess.Popen(
                [airflow_command(), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=stack.home,
                start_new_session=True,
            )
        _children[process.pid] = process
        stack.pid_file(part).write_text(str(process.pid), encoding="utf-8")
        progress(f"started {part} (log {stack.log_file(part)})")
    client = stack.client()
    try:
        wait_healthy(stack, client, deadline, progress)
        wait_dags(stack, client, expected_dags(settings), deadline, progress)
        ensure_pools(settings, client)
        # What came due while the stack was down (embargoes, retries) goes out now, not on
        # the clock; the sweep wakes event channels only, so no missed edition is sent.
        try:
            client.trigger(workflows.SWEEP, {}, f"up__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S.%f}")
        except AirflowRefused as exc:  # the clock still runs it within a minute
            progress(f"the first sweep was not started: {exc}")
    except BaseException:
        down(settings)
        raise
    return stack


def down(settings: Settings, *, timeout: float = 30.0) -> list[str]:
    """Stop the parts `distro up` started (by their pid files); returns what was stopped.

    The API server goes last: a task still running when the scheduler stops reports its end
    through it, and with it gone first the task's calls would retry until the grace ran out.
    """
    stack = Stack(settings)
    running = stack.running()
    for wave, grace in (
        ([part for part in running if part != "api-server"], timeout),
        ([part for part in running if part == "api-server"], min(timeout, 10.0)),
    ):
        deadline = time.monotonic() + grace
        for part in wave:
            # Each part leads its own session: signal the group so its workers stop too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running[part], signal.SIGTERM)
        while time.monotonic() < deadline and any(stack.alive(part) for part in wave):
            time.sleep(0.3)
    for part, pid in running.items():
        if stack.alive(part) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    for part, pid in running.items():
        stack.pid_file(part).unlink(missing_ok=True)
        child = _children.pop(pid, None)
        if child is not None:
            child.wait(timeout=timeout)
    return sorted(running)


def reachable(url: str) -> bool:
    """Whether something answers at ``url`` (used to refuse a port already taken)."""
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True
