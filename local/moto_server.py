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

Usage: python moto_server.py HOST PORT
"""

import sys
import threading

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
        SerializedDynamoDB(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
