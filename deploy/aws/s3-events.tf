# S3 drops as events for distro: the wire bucket notifies an SQS queue of new objects under the
# drop prefix; Airflow's triggerer long-polls the queue (MessageQueueTrigger, scheme "sqs") and a
# drop starts the group's ingest DAG within seconds. See deploy/aws/README.md.
#
#   terraform init && terraform apply -var bucket=<existing wire bucket> -var prefix=wire/
#
# Terraform >= 1.5, hashicorp/aws >= 5.0. The bucket itself is not managed here: it usually
# exists already (and holds other notification targets, see the README on the one-config rule).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

variable "bucket" {
  description = "The existing bucket producers drop wire pages into."
  type        = string
}

variable "prefix" {
  description = "The drop prefix: the S3 source's `prefix` (notifications outside it are not sent)."
  type        = string
  default     = "wire/"
}

variable "queue_name" {
  type    = string
  default = "distro-inbox"
}

variable "airflow_role_name" {
  description = "The IAM role the triggerer and the workers run as (IRSA on EKS, instance role on EC2)."
  type        = string
}

data "aws_caller_identity" "current" {}

data "aws_s3_bucket" "wire" {
  bucket = var.bucket
}

# Messages the triggerer received but never deleted (it crashed between the two, again and again)
# end here after 5 receives instead of circulating. The trigger deletes everything it receives,
# poison included (distro quarantines poison in its ledger), so this stays nearly empty.
resource "aws_sqs_queue" "dead" {
  name                      = "${var.queue_name}-dead"
  message_retention_seconds = 1209600 # 14 days, the SQS maximum
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "inbox" {
  name = var.queue_name
  # The sweep (the source's cron listing after the cursor) catches anything older than this.
  message_retention_seconds  = 345600 # 4 days
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20 # long polling by default
  # SSE-SQS works with S3 notifications as is; a customer managed KMS key would also need a key
  # policy letting s3.amazonaws.com use kms:GenerateDataKey and kms:Decrypt.
  sqs_managed_sse_enabled = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead.arn
    maxReceiveCount     = 5
  })
}

# Only this bucket, in this account, may send to the queue.
data "aws_iam_policy_document" "s3_sends" {
  statement {
    sid       = "S3SendsNotifications"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.inbox.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [data.aws_s3_bucket.wire.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "inbox" {
  queue_url = aws_sqs_queue.inbox.id
  policy    = data.aws_iam_policy_document.s3_sends.json
}

# S3 validates the destination when the configuration is put (and then sends s3:TestEvent, which
# distro skips): the queue policy must exist first.
resource "aws_s3_bucket_notification" "wire" {
  bucket = data.aws_s3_bucket.wire.id

  queue {
    id            = "distro-wire-drops"
    queue_arn     = aws_sqs_queue.inbox.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.prefix
  }

  depends_on = [aws_sqs_queue_policy.inbox]
}

# What the triggerer (receive, delete) and the ingest workers (read the objects; the sweep lists
# the prefix) need, and nothing else.
data "aws_iam_policy_document" "airflow" {
  statement {
    sid       = "WatchTheQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.inbox.arn]
  }
  statement {
    sid       = "ReadDrops"
    actions   = ["s3:GetObject"]
    resources = ["${data.aws_s3_bucket.wire.arn}/${var.prefix}*"]
  }
  statement {
    sid       = "SweepThePrefix"
    actions   = ["s3:ListBucket"]
    resources = [data.aws_s3_bucket.wire.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefix}*"]
    }
  }
}

resource "aws_iam_role_policy" "airflow_s3_events" {
  name   = "distro-s3-events"
  role   = var.airflow_role_name
  policy = data.aws_iam_policy_document.airflow.json
}

output "queue_url" {
  description = "Put this in the S3 source's queue_url."
  value       = aws_sqs_queue.inbox.url
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.dead.url
}
