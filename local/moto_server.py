"""moto server, as `moto_server` runs it, with DynamoDB calls serialized.

moto applies a DynamoDB transaction by deep-copying the table, writing, and
restoring the copy if a condition fails. Two transactions at once can
therefore undo each other's writes (and the stream records they made),
which DynamoDB itself never does. Serializing the DynamoDB and DynamoDB
Streams calls restores DynamoDB's guarantee; every other service (SQS long
polls in particular) still runs concurrently. See doc/adr/0006-local-stack.md.

moto's rollback itself is replaced: it deep-copied every table a
transaction names, which made each transaction (and, with its sorted full
scans, each Query) cost time in proportion to the whole table, and it left
a cancelled transaction's stream records in the shard. `all_or_nothing`
keeps an undo log of the touched items instead and removes those records,
as DynamoDB never emits stream records for a cancelled transaction;
`partition_scoped` lets a Query read only its partition.

The AWS SDK for Rust speaks CloudWatch in Smithy RPC v2 CBOR, which moto
does not route; moto does speak CloudWatch's JSON protocol. `CborCloudWatch`
translates one into the other at the door (the backend is moto's own), and
`percentiles` lets GetMetricData answer `p99`-style statistics, which moto
leaves empty. `bucketless_status` keeps moto's own data dump (which the
tests read moto's SES messages from) working after a multipart upload.

Usage: python moto_server.py HOST PORT
"""

import copy
import datetime
import io
import json
import re
import sys
import threading

import cbor2

import moto.dynamodb.models as dynamodb_models
from moto.cloudwatch.models import Statistics
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeKey
from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def _touched_key(table, operation):
    """The (hash, range) key a transaction operation writes or checks."""
    attributes = operation.get("Key") or operation.get("Item") or {}
    hash_value = DynamoType(attributes[table.hash_key_attr])
    range_attr = table.range_key_attr
    range_value = DynamoType(attributes[range_attr]) if range_attr else None
    return hash_value, range_value


def _stored(table, hash_value, range_value):
    partition = table.items.get(hash_value)
    if partition is None:
        return None
    return partition.get(range_value) if range_value is not None else partition


def _restore(table, hash_value, range_value, item):
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


def all_or_nothing(original):
    """Wraps moto's TransactWriteItems with an undo log of the items it touches.

    moto itself deep-copies every table a transaction names and swaps the
    copy back in when a condition fails: the cost grows with the table, and
    the swap leaks the cancelled items' stream records. Here moto's copy is
    not taken (`_TablesByReference`); the touched items are copied before
    and put back after a cancellation, and its stream records are removed.
    """

    def transact_write_items(self, transact_items):
        shards = []
        before = []
        for entry in transact_items:
            operation = next(iter(entry.values()))
            table = self.tables.get(operation.get("TableName"))
            if table is None:
                continue
            shard = getattr(table, "stream_shard", None)
            if shard is not None and all(s is not shard for s, _ in shards):
                shards.append((shard, len(shard.items)))
            try:
                key = _touched_key(table, operation)
            except (KeyError, TypeError):
                continue  # moto rejects the malformed operation itself
            before.append((table, key, copy.deepcopy(_stored(table, *key))))
        try:
            return original(self, transact_items)
        except Exception:
            for table, key, item in reversed(before):
                _restore(table, *key, item)
            for shard, length in shards:
                del shard.items[length:]
            raise

    return transact_write_items


class _TablesByReference:
    """`copy` as moto's DynamoDB backend sees it: tables are not copied."""

    @staticmethod
    def deepcopy(value, memo=None):
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


dynamodb_models.copy = _TablesByReference()
DynamoDBBackend.transact_write_items = all_or_nothing(
    DynamoDBBackend.transact_write_items
)


def partition_scoped(original_query, original_all_items):
    """Lets a query look only where DynamoDB would.

    moto answers every Query by sorting the whole table and then filtering
    it, so each costs O(n log n) in the table's size. A base-table query
    needs only its partition; an index query needs every item but no sort
    (it sorts its matches itself). Scans keep moto's sorted order.
    """

    def query(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        self._query_scope = (hash_key, index_name)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self._query_scope

    def all_items(self):
        scope = self.__dict__.get("_query_scope")
        if scope is None:
            return original_all_items(self)
        hash_key, index_name = scope
        if index_name is None and self.range_key_attr:
            return list(self.items.get(hash_key, {}).values())
        if self.range_key_attr:
            return [item for partition in self.items.values() for item in partition.values()]
        return list(self.items.values())

    return query, all_items


Table.query, Table.all_items = partition_scoped(Table.query, Table.all_items)


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


def bucketless_status(original):
    """Lets a multipart upload's parts answer `status`.

    moto's `FakeKey.status` looks up the key's bucket, which the parts of a
    multipart upload do not name: `/moto-api/data.json` (how the tests read
    the emails moto's SES accepted) then fails for every later call.
    """

    def status(self):
        try:
            return original.fget(self)
        except MissingBucket:
            return self._status

    return property(status, original.fset)


FakeKey.status = bucketless_status(FakeKey.status)


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
