"""moto server, as `moto_server` runs it, with DynamoDB calls serialized.

moto applies a DynamoDB transaction by deep-copying the table, writing, and
restoring the copy if a condition fails. Two transactions at once can
therefore undo each other's writes (and the stream records they made),
which DynamoDB itself never does. Serializing the DynamoDB and DynamoDB
Streams calls restores DynamoDB's guarantee; every other service (SQS long
polls in particular) still runs concurrently. See doc/adr/0006-local-stack.md.

Usage: python moto_server.py HOST PORT
"""

import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
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
