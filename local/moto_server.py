"""moto server, as `moto_server` runs it, with DynamoDB calls serialized.

moto applies a DynamoDB transaction by deep-copying the table, writing, and
restoring the copy if a condition fails. Two transactions at once can
therefore undo each other's writes (and the stream records they made),
which DynamoDB itself never does. Serializing the DynamoDB and DynamoDB
Streams calls restores DynamoDB's guarantee; every other service (SQS long
polls in particular) still runs concurrently. See doc/adr/0006-local-stack.md.

A cancelled transaction has a second flaw: moto applies its items one by
one and, when a condition fails, swaps in a copy of the table taken before.
The stream records the applied items made stay in the old table's stream
shard, which a shard iterator obtained earlier still reads: the cancelled
write's events leak. `all_or_nothing` removes them, as DynamoDB never emits
stream records for a cancelled transaction.

The AWS SDK for Rust speaks CloudWatch in Smithy RPC v2 CBOR, which moto
does not route; moto does speak CloudWatch's JSON protocol. `CborCloudWatch`
translates one into the other at the door (the backend is moto's own), and
`percentiles` lets GetMetricData answer `p99`-style statistics, which moto
leaves empty.

Usage: python moto_server.py HOST PORT
"""

import datetime
import io
import json
import re
import sys
import threading

import cbor2

from moto.cloudwatch.models import Statistics
from moto.dynamodb.models import DynamoDBBackend
from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def all_or_nothing(original):
    """Wraps moto's TransactWriteItems: a cancelled one leaves no stream records."""

    def transact_write_items(self, transact_items):
        shards = []
        for item in transact_items:
            operation = next(iter(item.values()))
            table = self.tables.get(operation.get("TableName"))
            shard = getattr(table, "stream_shard", None)
            if shard is not None and all(s is not shard for s, _ in shards):
                shards.append((shard, len(shard.items)))
        try:
            return original(self, transact_items)
        except Exception:
            for shard, length in shards:
                del shard.items[length:]
            raise

    return transact_write_items


DynamoDBBackend.transact_write_items = all_or_nothing(
    DynamoDBBackend.transact_write_items
)


def percentiles(original):
    """Adds pNN statistics (nearest rank) to moto's CloudWatch."""

    def get_statistics_for_type(self, stat):
        match = re.fullmatch(r"p(\d+(?:\.\d+)?)", stat)
        if not match:
            return original(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, -(-len(values) * float(match.group(1)) // 100))
        return values[int(rank) - 1]

    return get_statistics_for_type


Statistics.get_statistics_for_type = percentiles(Statistics.get_statistics_for_type)


CBOR_PATH = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(\w+)$")


def _to_json(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _timestamps_to_datetimes(value, key=""):
    utc = datetime.timezone.utc
    if key in ("Timestamp", "Timestamps") and isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, utc)
    if isinstance(value, dict):
        return {k: _timestamps_to_datetimes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamps_to_datetimes(v, key) for v in value]
    return value


class CborCloudWatch:
    """WSGI middleware: CloudWatch RPC v2 CBOR requests as JSON-protocol ones."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        match = CBOR_PATH.match(environ.get("PATH_INFO", ""))
        if not match:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        request = cbor2.loads(raw) if raw else {}
        body = json.dumps(_to_json(request)).encode()
        environ = dict(environ)
        environ["PATH_INFO"] = "/"
        environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
        environ["HTTP_X_AMZ_TARGET"] = f"GraniteServiceVersion20100801.{match.group(1)}"
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = status
            return lambda data: None

        answer = b"".join(self.app(environ, capture))
        document = json.loads(answer) if answer.strip() else {}
        if not captured["status"].startswith("2") and "__type" in document:
            document["__type"] = document["__type"].split("#")[-1]
        out = cbor2.dumps(_timestamps_to_datetimes(document), datetime_as_timestamp=True)
        start_response(
            captured["status"],
            [
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
                ("Content-Length", str(len(out))),
            ],
        )
        return [out]


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            # Consume the response inside the lock: moto builds it eagerly,
            # but a lazy iterable must not escape the critical section.
            return list(self.app(environ, start_response))


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        CborCloudWatch(SerializedDynamoDB(app)),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
