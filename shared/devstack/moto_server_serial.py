"""moto's server, handling one request at a time.

moto keeps no locks in its backends, so a threaded server lets two conditional writes both
pass their check (seen: two TransactWriteItems with the same version condition both
succeeding). DynamoDB applies conditions atomically; serialising requests restores that, at
the cost of concurrency the tests do not need. Arguments are moto_server's own (-H, -p).

moto 5.2 also backs up a table for rollback once per *item* of a TransactWriteItems (a deep
copy each time), so a 50-item transaction on a table of a few hundred items took seconds and
grew with the table. The backup is taken once per table per transaction instead; what is
restored on failure is the same.
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple
import copy
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table


class TableBackupOncePerTransaction:
    """Stands in for the `copy` module inside moto's DynamoDB backend."""

    def __init__(self):
        self.tables = None

    def deepcopy(self, value, *args, **kwargs):
        if self.tables is not None and isinstance(value, Table):
            if id(value) not in self.tables:
                self.tables[id(value)] = copy.deepcopy(value)
            return self.tables[id(value)]
        return copy.deepcopy(value, *args, **kwargs)


def backup_tables_once():
    shim = TableBackupOncePerTransaction()
    dynamodb_models.copy = shim
    original = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        shim.tables = {}
        try:
            return original(self, transact_items)
        finally:
            shim.tables = None

    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


class Serialised:
    """WSGI middleware: one request inside the application at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # Drain the body inside the lock: moto may produce it lazily.
            return list(self.app(environ, start_response))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    backup_tables_once()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        Serialised(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
