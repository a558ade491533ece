"""A probe DAG for the distributed profile: where each task ran, and did it reach the stack."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task


@dag(
    dag_id="scaleout_probe",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["scaleout"],
    default_args={"owner": "distro", "retries": 0},
)
def scaleout_probe() -> None:
    @task
    def where(index: int) -> dict[str, Any]:
        # The ledger on PostgreSQL and the archive on S3 must both be reachable from a worker.
        import boto3
        import psycopg

        from distro.config import load

        settings = load()
        url = settings.store_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            database = conn.execute("SELECT current_database()").fetchone()
        archive = settings.config.archive
        s3 = boto3.client("s3", endpoint_url=archive.endpoint_url, region_name=archive.region)
        s3.head_bucket(Bucket=str(archive.bucket))
        return {
            "index": index,
            "worker": os.environ.get("DISTRO_SCALEOUT_WORKER"),
            "database": database[0] if database else None,
            "bucket": archive.bucket,
        }

    where.expand(index=[0, 1, 2, 3])


scaleout_probe()
