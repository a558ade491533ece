"""moto's S3 server over HTTP on 127.0.0.1 and an ephemeral port."""

from __future__ import annotations

import itertools
from typing import Any

from moto.server import ThreadedMotoServer


class S3Server:
    """A running moto server; `bucket()` makes a new empty bucket."""

    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._names = itertools.count(1)

    def start(self) -> S3Server:
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self.server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def bucket(self) -> str:
        name = f"bucket-{next(self._names)}"
        self.client().create_bucket(Bucket=name)
        return name
