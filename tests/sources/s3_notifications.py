"""A bucket on moto's server that notifies an SQS queue of new objects, as deploy/aws sets up."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from tests.servers.s3 import S3Server

_names = itertools.count(1)


@dataclass
class NotifiedBucket:
    """``bucket``'s ``s3:ObjectCreated:*`` under ``prefix`` go to the queue at ``queue_url``."""

    server: S3Server
    bucket: str
    prefix: str
    queue_url: str
    s3: Any
    sqs: Any

    @classmethod
    def make(cls, server: S3Server, prefix: str = "wire/") -> NotifiedBucket:
        import boto3

        s3 = server.client()
        sqs = boto3.session.Session().client(
            "sqs",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        bucket = server.bucket()
        queue_url = sqs.create_queue(QueueName=f"distro-inbox-{next(_names)}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        queue: dict[str, Any] = {"Events": ["s3:ObjectCreated:*"]}
        if prefix:
            queue["Filter"] = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": arn["Attributes"]["QueueArn"], **queue}]
            },
        )
        return cls(server, bucket, prefix, queue_url, s3, sqs)

    def drop(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def send(self, body: str) -> None:
        """A message that did not come from the bucket (a stray producer, a broken relay)."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)

    def receive(self) -> list[dict[str, Any]]:
        """Every message waiting now (deleted, as the trigger does)."""
        found: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not got:
                return found
            for message in got:
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            found.extend(got)

    def waiting(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def connection(self) -> str:
        """An ``AIRFLOW_CONN_*`` value for moto, as JSON (both S3 and SQS read it)."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"region_name": "us-east-1", "endpoint_url": self.server.endpoint_url},
            }
        )
