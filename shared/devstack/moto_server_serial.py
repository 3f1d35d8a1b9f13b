"""moto's server, handling one request at a time.

moto keeps no locks in its backends, so a threaded server lets two conditional writes both
pass their check (seen: two TransactWriteItems with the same version condition both
succeeding). DynamoDB applies conditions atomically; serialising requests restores that, at
the cost of concurrency the tests do not need. Arguments are moto_server's own (-H, -p).

moto 5.2 also backs up a whole table for rollback once per *item* of a TransactWriteItems (a
deep copy each time): a 50-item transaction on a table of a few hundred items took seconds, and
importing a catalog of 3,000 products (a transaction per product, on a table that grows with
each) took minutes and left the server at gigabytes resident. Here nothing is copied: the
transaction journals the items it is about to change (their state before), and a cancelled
transaction puts those back, newest first. What is restored on failure is the same.
"""

import argparse
import io
import json
import time
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


class NoTableCopies:
    """Stands in for the `copy` module inside moto's DynamoDB backend while a transaction
    runs: its whole-table backups are the tables themselves (the journal undoes changes)."""

    def __init__(self):
        self.active = False

    def deepcopy(self, value, *args, **kwargs):
        if self.active and isinstance(value, Table):
            return value
        return copy.deepcopy(value, *args, **kwargs)


def journal_transactions():
    shim = NoTableCopies()
    dynamodb_models.copy = shim
    backend = dynamodb_models.DynamoDBBackend
    original = backend.transact_write_items

    def transact_write_items(self, transact_items):
        journal = []  # (table name, key, attributes before or None)

        def key_of(table, attrs):
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
            return key

        def recorded(name):
            write = getattr(backend, name)

            def op(table_name, *args, **kwargs):
                table = self.get_table(table_name)
                if name == "put_item":
                    key = key_of(table, args[0] if args else kwargs["item_attrs"])
                else:
                    key = args[0] if args else kwargs["key"]
                before = self.get_item(table_name, key)
                journal.append(
                    (table_name, key, before.to_json()["Attributes"] if before else None)
                )
                return write(self, table_name, *args, **kwargs)

            return op

        for name in ("put_item", "delete_item", "update_item"):
            setattr(self, name, recorded(name))
        shim.active = True
        try:
            return original(self, transact_items)
        except Exception:
            for name in ("put_item", "delete_item", "update_item"):
                delattr(self, name)
            for table_name, key, before in reversed(journal):
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            raise
        finally:
            shim.active = False
            for name in ("put_item", "delete_item", "update_item"):
                self.__dict__.pop(name, None)

    backend.transact_write_items = transact_write_items


SENT_EMAILS_PATH = "/_roomwright/ses/messages"


def sent_emails():
    """Every message SES (v1 or v2) accepted, oldest first: what a mailbox would have got.
    moto keeps them in its SES backend; its own /moto-api/data.json lists every model of every
    service, which grows with the tables."""
    from moto.ses.models import ses_backends

    messages = []
    for account, regions in ses_backends.items():
        for region, backend in regions.items():
            for message in backend.sent_messages:
                destinations = getattr(message, "destinations", None) or {}
                messages.append(
                    {
                        "id": message.id,
                        "source": getattr(message, "source", None),
                        "subject": getattr(message, "subject", None),
                        "body": getattr(message, "body", None),
                        "to": destinations.get("ToAddresses", []),
                        "region": region,
                    }
                )
    return messages


class Serialised:
    """WSGI middleware: one request inside the application at a time.

    SQS long polls (ReceiveMessage with a wait) are the exception: moto waits for a message
    inside the request, which under the lock stopped every other request for the poll's
    length (an import of 3,000 products spent most of its minutes queued behind the workers'
    polls). A long poll is asked again without a wait, under the lock, until a message comes
    or its wait is over, sleeping outside the lock in between.
    """

    POLL_EVERY = 0.1

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == SENT_EMAILS_PATH:
            with self.lock:
                body = json.dumps(sent_emails()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        wait = self.long_poll(environ)
        if wait is None:
            return self.once(environ, start_response)
        body = environ["_rw_body"]
        deadline = time.monotonic() + wait
        while True:
            environ["wsgi.input"] = io.BytesIO(body)
            answer = {}

            def keep(status, headers, exc_info=None):
                answer["start"] = (status, headers, exc_info)
                return lambda data: None

            chunks = self.once(environ, keep)
            done = not answer["start"][0].startswith("200") or time.monotonic() >= deadline
            if done or json.loads(b"".join(chunks) or b"{}").get("Messages"):
                status, headers, exc_info = answer["start"]
                start_response(status, headers, exc_info)
                return chunks
            time.sleep(self.POLL_EVERY)

    def once(self, environ, start_response):
        with self.lock:
            # Drain the body inside the lock: moto may produce it lazily.
            return list(self.app(environ, start_response))

    @staticmethod
    def long_poll(environ):
        """The wait of an SQS ReceiveMessage (JSON protocol) that asks for one, its body
        rewritten without it (kept in `_rw_body`); None for any other request."""
        if environ.get("HTTP_X_AMZ_TARGET") != "AmazonSQS.ReceiveMessage":
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            request = json.loads(raw or b"{}")
            wait = float(request.get("WaitTimeSeconds") or 0)
        except (ValueError, TypeError, AttributeError):
            wait = 0
        if wait <= 0:
            environ["wsgi.input"] = io.BytesIO(raw)
            return None
        request["WaitTimeSeconds"] = 0
        body = json.dumps(request).encode()
        environ["_rw_body"] = body
        environ["CONTENT_LENGTH"] = str(len(body))
        return wait


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    journal_transactions()
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
