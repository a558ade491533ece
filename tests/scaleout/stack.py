"""The distributed profile's launcher: PostgreSQL, Redis, an S3 server and Airflow on Celery.

Everything binds 127.0.0.1 on ephemeral ports and lives under one temporary folder; ``stop()``
kills every process it started (and their children), whatever state they are in. Used by
tests/scaleout (session fixture) and benchmarks/scaleout.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import psutil
import requests

ADMIN = ("admin", "admin-scaleout")
EDITOR = ("editor", "editor-scaleout")
S3_KEYS = {"AWS_ACCESS_KEY_ID": "scaleout", "AWS_SECRET_ACCESS_KEY": "scaleout-secret"}
REGION = "us-east-1"
BUCKETS = ("distro-archive", "distro-site", "distro-app")
#: With ``events``: the wire bucket, the prefix it notifies SQS of, the S3 source and its group.
WIRE_BUCKET = "distro-wire"
WIRE_PREFIX = "wire/"
WIRE_SOURCE = "wire_s3"
WIRE_GROUP = "drops"
WIRE_CONN = "wire_s3"


class StackError(RuntimeError):
    """A part of the stack did not come up; the message carries its log's tail."""


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    what: str, probe: Callable[[], bool], *, timeout: float, log: Path | None = None
) -> None:
    """Poll ``probe`` until it is true; StackError with the log's tail when time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except StackError:
            raise  # a part died: waiting longer cannot help
        except Exception:  # not up yet: connection refused, 503, no row yet
            pass
        time.sleep(0.5)
    raise StackError(f"{what} not ready after {timeout:.0f} s{tail(log)}")


def tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return f"\n--- {log.name} ---\n" + "\n".join(text)


def pg_bin(name: str) -> str:
    """A PostgreSQL server binary from Debian's layout (not on PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise StackError(f"{name} not found under /usr/lib/postgresql/*/bin: install postgresql")
    return str(found[-1])


@dataclass
class Proc:
    """One started process and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tree(self) -> list[psutil.Process]:
        """The process and all its descendants (Celery pool children, task supervisors...)."""
        try:
            root = psutil.Process(self.popen.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self, sig: int = signal.SIGKILL) -> None:
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def stop(self, grace: float = 8.0) -> None:
        """SIGTERM the whole tree, then SIGKILL whatever is left."""
        procs = self.tree()
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.terminate()
        _, alive = psutil.wait_procs(procs, timeout=grace)
        for proc in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(alive, timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


class SlowProxy:
    """A TCP relay that holds every client chunk for ``delay`` seconds before passing it on.

    Put in front of the S3 server for one output, it stretches a channel's batch write over
    seconds, so the fault drill can kill a worker in the middle of it.
    """

    def __init__(self, target: int, delay: float) -> None:
        self.target = target
        self.delay = delay
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.closed = threading.Event()
        threading.Thread(target=self._accept, name="slow-proxy", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=30)
            except OSError:
                client.close()
                continue
            threading.Thread(
                target=self._pump, args=(client, upstream, self.delay), daemon=True
            ).start()
            threading.Thread(target=self._pump, args=(upstream, client, 0.0), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, delay: float) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if delay:
                    time.sleep(delay)
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self.closed.set()
        self.server.close()


@dataclass
class Stack:
    """The whole distributed profile. ``start()`` brings it up; ``stop()`` tears it down."""

    dags: list[Path]
    workers: int = 2
    concurrency: int = 2
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="distro-scaleout-")))
    config_extra: str = ""
    #: Seconds the site's S3 requests are held (0: straight to the S3 server).
    site_delay: float = 0.0
    sources: tuple[str, ...] = ("wire",)
    #: An S3 source (group ``WIRE_GROUP``) on ``WIRE_BUCKET``, whose new objects the bucket
    #: announces on an SQS queue that the triggerer watches; its clock stays as a daily sweep.
    events: bool = False
    queue_url: str = ""
    env_extra: Mapping[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)
    pg_port: int = 0
    redis_port: int = 0
    s3_port: int = 0
    api_port: int = 0
    _pg_data: Path | None = None
    _token: str | None = None
    _proxy: SlowProxy | None = None

    # ----------------------------------------------------------------- layout
    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def inbox(self) -> Path:
        """The first source group's inbox."""
        return self.inbox_of(self.sources[0])

    def inbox_of(self, group: str) -> Path:
        return self.state / "inbox" / group

    @property
    def outbox(self) -> Path:
        return self.state / "outbox"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def config_path(self) -> Path:
        return self.root / "distro.toml"

    @property
    def dags_folder(self) -> Path:
        return self.root / "dags"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def store_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/distro"

    # --------------------------------------------------------------- lifecycle
    def start(self) -> Stack:
        """Bring every part up in order; on any failure tear down what started and re-raise."""
        inboxes = [self.inbox_of(group) for group in self.sources]
        for folder in (self.logs, self.outbox, self.dags_folder, *inboxes):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            self.start_postgres()
            self.start_redis()
            self.start_s3()
            self.api_port = free_port()
            self.write_config()
            self.start_airflow()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill every process started here, stop PostgreSQL, remove the temporary folder."""
        # Every tree at once: stopping them one by one costs a grace period each.
        started = [self.procs.pop(name) for name in list(self.procs)[::-1]]
        procs = [proc for each in started for proc in each.tree()]
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.terminate()
        _, alive = psutil.wait_procs(procs, timeout=8)
        for proc in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(alive, timeout=5)
        for each in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                each.popen.wait(timeout=5)
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self._pg_data is not None:
            subprocess.run(
                [
                    *self._as_postgres(),
                    pg_bin("pg_ctl"),
                    "-D",
                    str(self._pg_data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                check=False,
                timeout=60,
            )
            shutil.rmtree(self._pg_data.parent, ignore_errors=True)
            self._pg_data = None
        # DISTRO_SCALEOUT_KEEP=1 keeps the logs (processes are killed all the same).
        if not os.environ.get("DISTRO_SCALEOUT_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> Proc:
        log = self.logs / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(
            argv,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=self.root,
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.procs[name] = proc
        return proc

    # -------------------------------------------------------------- PostgreSQL
    def _as_postgres(self) -> list[str]:
        """PostgreSQL refuses to run as root: drop to the postgres user when we are root."""
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start_postgres(self) -> None:
        # Outside self.root: pytest's and mkdtemp's folders are 0700 root, the server runs
        # as postgres and must own its data directory.
        base = Path(tempfile.mkdtemp(prefix="distro-scaleout-pg-"))
        data = base / "data"
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        self._pg_data = data
        self.pg_port = free_port()
        log = self.logs / "postgres.log"
        init = subprocess.run(
            [
                *self._as_postgres(),
                pg_bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if init.returncode:
            raise StackError(f"initdb failed: {init.stderr[-2000:]}")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -c unix_socket_directories={base}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=300 -c shared_buffers=64MB"
        )
        pg_log = base / "server.log"
        started = subprocess.run(
            [
                *self._as_postgres(),
                pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(pg_log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=90,
        )
        if started.returncode:
            text = pg_log.read_text(errors="replace") if pg_log.exists() else ""
            raise StackError(f"pg_ctl start failed: {started.stderr}{text[-2000:]}")
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.pg_port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            for name in ("airflow", "distro"):
                conn.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
        log.write_text(f"postgres on 127.0.0.1:{self.pg_port}, data {data}\n")

    # ------------------------------------------------------------------- Redis
    def start_redis(self) -> None:
        self.redis_port = free_port()
        redis_dir = self.root / "redis"
        redis_dir.mkdir()
        proc = self.spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(redis_dir),
                "--daemonize",
                "no",
            ],
        )

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        wait_for("redis", ping, timeout=30, log=proc.log)

    # ---------------------------------------------------------------------- S3
    def start_s3(self) -> None:
        self.s3_port = free_port()
        proc = self.spawn(
            "s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)]
        )
        wait_for(
            "moto S3",
            lambda: requests.get(self.s3_url, timeout=2).status_code < 500,
            timeout=60,
            log=proc.log,
        )
        if self.site_delay:
            self._proxy = SlowProxy(self.s3_port, self.site_delay)
        client = self.s3()
        for bucket in BUCKETS:
            client.create_bucket(Bucket=bucket)
        if self.events:
            self.notify_queue()

    def notify_queue(self) -> None:
        """The wire bucket and its ``s3:ObjectCreated:*`` notifications to an SQS queue (moto
        serves SQS on the same port), as deploy/aws sets up on a real account."""
        sqs = self.client("sqs")
        self.queue_url = sqs.create_queue(QueueName="distro-wire-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        s3 = self.s3()
        s3.create_bucket(Bucket=WIRE_BUCKET)
        rules = [{"Name": "prefix", "Value": WIRE_PREFIX}]
        s3.put_bucket_notification_configuration(
            Bucket=WIRE_BUCKET,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": arn["Attributes"]["QueueArn"],
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": rules}},
                    }
                ]
            },
        )
        # S3 sends a test event when the notification is set up: the trigger skips it, but the
        # first ingest run should be one that a drop started.
        while got := sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=0).get(
            "Messages"
        ):
            for message in got:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def s3(self) -> Any:
        """A boto3 S3 client on the stack's S3 server."""
        return self.client("s3")

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` (s3, sqs) on the stack's moto server."""
        return boto3.client(
            service,
            endpoint_url=self.s3_url,
            region_name=REGION,
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def s3_keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    # ------------------------------------------------------------ distro config
    def write_config(self) -> None:
        """The config every Airflow process reads: ledger on PostgreSQL, archive, outputs on S3."""
        s3 = f'kind = "s3"\nendpoint_url = "{self.s3_url}"\nregion = "{REGION}"\n'
        site_url = f"http://127.0.0.1:{self._proxy.port}" if self._proxy else self.s3_url
        site = f'kind = "s3"\nendpoint_url = "{site_url}"\nregion = "{REGION}"\n'
        sources = "".join(
            f'[[sources]]\nkind = "inbox"\nname = "inbox_{group}"\ngroup = "{group}"\n'
            f'path = "{self.inbox_of(group)}"\npattern = "*.txt"\n\n'
            for group in self.sources
        )
        if self.events:
            # The daily clock is the sweep (listing after the cursor); drops come as events.
            sources += (
                f'[[sources]]\nkind = "s3"\nname = "{WIRE_SOURCE}"\ngroup = "{WIRE_GROUP}"\n'
                f'bucket = "{WIRE_BUCKET}"\nprefix = "{WIRE_PREFIX}"\nconn_id = "{WIRE_CONN}"\n'
                f'region = "{REGION}"\nqueue_url = "{self.queue_url}"\n'
                f'schedule = "0 4 * * *"\n\n'
            )
        self.config_path.write_text(
            f'timezone = "Asia/Shanghai"\n\n'
            f'[store]\nurl = "{self.store_url}"\n\n'
            f'[archive]\n{s3}bucket = "distro-archive"\nprefix = "raw/"\n\n'
            f"{sources}"
            f'[channels.web]\nbase_url = "https://news.example.cn/"\n\n'
            f'[channels.web.output]\n{site}bucket = "distro-site"\n\n'
            f'[channels.app]\nbase_url = "https://news.example.cn/app/"\n\n'
            f'[channels.app.output]\n{s3}bucket = "distro-app"\n\n'
            f'[airflow]\napi_url = "{self.api_url}"\nusername = "{ADMIN[0]}"\n'
            f'password = "env:DISTRO_AIRFLOW_PASSWORD"\n'
            f"{self.config_extra}",
            encoding="utf-8",
        )

    # ----------------------------------------------------------------- Airflow
    def airflow_env(self, **extra: str) -> dict[str, str]:
        home = self.root / "airflow"
        pg = f"postgres@127.0.0.1:{self.pg_port}/airflow"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AIRFLOW_", "AIRFLOW__", "DISTRO_", "AWS_"))
        }
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__PARALLELISM": str(max(8, 2 * self.workers * self.concurrency)),
                "AIRFLOW__CORE__FERNET_KEY": self._fernet,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN[0]}:admin,{EDITOR[0]}:user",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg://{pg}",
                # Airflow maps postgresql to asyncpg for its async engine; psycopg 3 does both.
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"postgresql+psycopg_async://{pg}",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg://{pg}",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__API__WORKERS": "1",
                # as distro's local stack: a slow first start call must not be made twice
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
                "AIRFLOW__API__SECRET_KEY": self._secret,
                "AIRFLOW__API_AUTH__JWT_SECRET": self._secret,
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                # A worker that dies is noticed in seconds, not the default 5 minutes, so the
                # fault drill's retry happens within the test.
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs / "tasks"),
                "DISTRO_CONFIG": str(self.config_path),
                "DISTRO_STATE": str(self.state),
                "DISTRO_AIRFLOW_PASSWORD": ADMIN[1],
                "AWS_DEFAULT_REGION": REGION,
                "NO_PROXY": "127.0.0.1,localhost",
                **S3_KEYS,
            }
        )
        # The S3 source and the message-queue trigger reach moto through this connection.
        conn = {
            "conn_type": "aws",
            "login": S3_KEYS["AWS_ACCESS_KEY_ID"],
            "password": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
            "extra": {"region_name": REGION, "endpoint_url": self.s3_url},
        }
        env[f"AIRFLOW_CONN_{WIRE_CONN.upper()}"] = json.dumps(conn)
        env.update(self.env_extra)
        env.update(extra)
        return env

    @property
    def _fernet(self) -> str:
        from cryptography.fernet import Fernet

        key = self.root / "fernet.key"
        if not key.exists():
            key.write_text(Fernet.generate_key().decode())
        return key.read_text()

    @property
    def _secret(self) -> str:
        path = self.root / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text()

    def airflow(self) -> list[str]:
        """The airflow command of the environment running the tests."""
        return [str(Path(sys.executable).with_name("airflow"))]

    def start_airflow(self) -> None:
        home = self.root / "airflow"
        home.mkdir(exist_ok=True)
        (home / "passwords.json").write_text(json.dumps(dict([ADMIN, EDITOR])))
        for source in self.dags:
            if source.is_dir():
                shutil.copytree(
                    source,
                    self.dags_folder,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            else:
                shutil.copy(source, self.dags_folder / source.name)
        env = self.airflow_env()
        migrate = subprocess.run(
            [*self.airflow(), "db", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=self.root,
        )
        (self.logs / "db-migrate.log").write_text(migrate.stdout + migrate.stderr)
        if migrate.returncode:
            raise StackError(f"airflow db migrate failed:{tail(self.logs / 'db-migrate.log')}")
        api = self.spawn("api-server", [*self.airflow(), "api-server"], env)
        self.spawn("scheduler", [*self.airflow(), "scheduler", "--skip-serve-logs"], env)
        self.spawn("dag-processor", [*self.airflow(), "dag-processor"], env)
        self.spawn("triggerer", [*self.airflow(), "triggerer", "--skip-serve-logs"], env)
        # Workers only once the Execution API answers: a task they took before would fail.
        wait_for("api-server", self._answering, timeout=240, log=api.log)
        for index in range(1, self.workers + 1):
            self.start_worker(index)
        wait_for("api-server", self._healthy, timeout=240, log=api.log)
        for index in range(1, self.workers + 1):
            self.wait_worker(index)
        from distro.config import load

        wechat = load(self.config_path, self.state).config.channels.wechat
        self.set_pool(wechat.pool, wechat.pool_slots, "WeChat API quota")

    def start_worker(self, index: int) -> Proc:
        name = f"worker-{index}"
        env = self.airflow_env(DISTRO_SCALEOUT_WORKER=name)
        return self.spawn(
            name,
            [
                *self.airflow(),
                "celery",
                "worker",
                "--celery-hostname",
                f"{name}@scaleout",
                "--concurrency",
                str(self.concurrency),
                "--skip-serve-logs",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )

    def wait_worker(self, index: int, timeout: float = 180) -> None:
        proc = self.procs[f"worker-{index}"]

        def ready() -> bool:
            if not proc.alive():
                raise StackError(f"{proc.name} exited{tail(proc.log)}")
            return b" ready." in proc.log.read_bytes()

        wait_for(proc.name, ready, timeout=timeout, log=proc.log)

    def _answering(self) -> bool:
        self._alive()
        return requests.get(f"{self.api_url}/api/v2/version", timeout=5).status_code < 500

    def _alive(self) -> None:
        for proc in self.procs.values():
            if not proc.alive():
                raise StackError(f"{proc.name} exited{tail(proc.log)}")

    def _healthy(self) -> bool:
        self._alive()
        health = requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all(health[part]["status"] == "healthy" for part in parts)

    # -------------------------------------------------------------- REST API
    def token(self, user: tuple[str, str] = ADMIN) -> str:
        if user == ADMIN and self._token:
            return self._token
        response = requests.post(
            f"{self.api_url}/auth/token",
            json={"username": user[0], "password": user[1]},
            timeout=30,
        )
        response.raise_for_status()
        token = str(response.json()["access_token"])
        if user == ADMIN:
            self._token = token
        return token

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return requests.request(
            method, f"{self.api_url}/api/v2/{path}", headers=headers, timeout=30, **kwargs
        )

    def wait_dag(self, dag_id: str, timeout: float = 180) -> None:
        wait_for(
            f"DAG {dag_id}",
            lambda: self.api("GET", f"dags/{dag_id}").status_code == 200,
            timeout=timeout,
            log=self.procs["dag-processor"].log,
        )

    def trigger(self, dag_id: str, run_id: str, conf: Mapping[str, Any] | None = None) -> None:
        response = self.api(
            "POST",
            f"dags/{dag_id}/dagRuns",
            json={
                "logical_date": None,
                "dag_run_id": run_id,
                "conf": dict(conf or {}),
            },
        )
        if response.status_code != 200:
            raise StackError(f"trigger {dag_id}: {response.status_code} {response.text}")

    def run_state(self, dag_id: str, run_id: str) -> str:
        response = self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}")
        response.raise_for_status()
        return str(response.json()["state"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 180) -> str:
        """Wait until the run finishes; its final state."""
        final: list[str] = []

        def done() -> bool:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                final.append(state)
                return True
            return False

        wait_for(f"run {dag_id}/{run_id}", done, timeout=timeout, log=self.procs["scheduler"].log)
        return final[0]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        response = self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        response.raise_for_status()
        return list(response.json()["task_instances"])

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        response = self.api("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100})
        response.raise_for_status()
        return list(response.json()["dag_runs"])

    def set_pool(self, name: str, slots: int, description: str = "") -> None:
        response = self.api(
            "PATCH",
            f"pools/{name}",
            json={
                "name": name,
                "slots": slots,
                "description": description,
                "include_deferred": False,
            },
        )
        if response.status_code == 404:
            response = self.api(
                "POST",
                "pools",
                json={
                    "name": name,
                    "slots": slots,
                    "description": description,
                    "include_deferred": False,
                },
            )
        response.raise_for_status()


@contextlib.contextmanager
def running(dags: list[Path], **options: Any) -> Iterator[Stack]:
    """A started stack, stopped on exit whatever happens."""
    stack = Stack(dags=dags, **options)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
