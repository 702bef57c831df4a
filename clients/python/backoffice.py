#!/usr/bin/python3
"""A landlord's back office fed by relog: a small, complete example.

Subscribes to the case events that concern one landlord
(relog.v1.Subscriptions, docs/SUBSCRIPTIONS.md) and writes each into a
local SQLite table, `events`. The position of the feed is saved in the
same transaction as the events of each message, so after any crash of
this program or of relogd, and any disconnect, it resumes where its table
stands: the table holds every matching event exactly once, in log order.

    /usr/bin/python3 clients/python/backoffice.py \\
        --server=127.0.0.1:50051 --landlord=999000029 --db=lmh.sqlite

Needs Debian's python3-grpcio and python3-protobuf; the stubs are
generated from proto/ on first use (relog_stubs.py).
"""

import argparse
import os
import sqlite3
import sys
import time

import grpc
from google.protobuf import json_format

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relog_stubs  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  position     INTEGER NOT NULL,  -- in relog's global log
  event_id     TEXT NOT NULL UNIQUE,  -- a repeat would fail loudly
  case_name    TEXT NOT NULL,     -- cases/{id}
  version      INTEGER NOT NULL,  -- in the case's stream
  type         TEXT NOT NULL,     -- relog.v1.OfferMade, ...
  occurred_at  TEXT NOT NULL,     -- the business date
  recorded_at  TEXT NOT NULL,
  actor        TEXT NOT NULL,
  global_hash  TEXT NOT NULL,
  body         TEXT NOT NULL      -- the event as proto JSON
);
CREATE TABLE IF NOT EXISTS feed (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  position  INTEGER NOT NULL      -- every event up to here is in `events`
);
"""

# Codes after which the feed resumes from its saved position.
RESUMABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
             grpc.StatusCode.DEADLINE_EXCEEDED)


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCHEMA)
    return db


def saved_position(db):
    row = db.execute("SELECT position FROM feed WHERE id = 1").fetchone()
    return row[0] if row else 0


def store_message(db, message):
    """The message's events and its position, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for e in message.events:
            ev = e.event
            db.execute(
                "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
                (ev.position, ev.event_id, e.case, ev.version, ev.type,
                 ev.occurred_at, ev.recorded_at.ToJsonString(), ev.actor,
                 ev.global_hash,
                 json_format.MessageToJson(ev, indent=None,
                                           preserving_proto_field_name=True)))
        db.execute(
            "INSERT INTO feed (id, position) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET position = excluded.position",
            (message.position,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def run(args):
    pb, pb_grpc = relog_stubs.load_stubs(args.stubs)
    db = open_db(args.db)
    channel = grpc.insecure_channel(args.server)
    stub = pb_grpc.SubscriptionsStub(channel)
    backoff = 0.2
    while True:
        request = pb.SubscribeRequest(after_position=saved_position(db),
                                      landlord_ids=[args.landlord],
                                      max_batch_events=args.batch)
        try:
            for message in stub.Subscribe(request, wait_for_ready=True):
                store_message(db, message)
                backoff = 0.2
                if args.until_caught_up and message.caught_up:
                    return 0
        except grpc.RpcError as error:
            if error.code() not in RESUMABLE:
                print("backoffice: %s: %s" % (error.code(), error.details()),
                      file=sys.stderr)
                return 1
            print("backoffice: feed ended (%s); resuming after %d" %
                  (error.code().name, saved_position(db)), file=sys.stderr)
        time.sleep(backoff)
        backoff = min(backoff * 2, 5.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--landlord", required=True, help="the SIREN")
    parser.add_argument("--db", required=True, help="the SQLite file")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--stubs", default=os.path.join(
        os.path.expanduser("~"), ".cache", "relog-python-stubs"),
        help="where the generated stubs go")
    parser.add_argument("--until_caught_up", action="store_true",
                        help="stop once the feed reaches the log's head")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
