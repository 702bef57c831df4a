#!/usr/bin/python3
"""The Python back office (clients/python/backoffice.py) against a real relogd.

While `relogctl demo` loads relogd, the back office follows one landlord's
feed into SQLite; both are killed with SIGKILL at random moments and
restarted (relogd on the same data and port; the demo, which ends with
errors when relogd dies under it, rerun with its seed). At the end the table must hold exactly the
events an uninterrupted feed of that landlord gives: each once, in order.

    backoffice_test.py --relogd=B --relogctl=B --source_dir=D --work=DIR
                       [--seed=N] [--cycles=N]

Prints the seed and what each cycle did; exits 1 on a mismatch.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

LANDLORD = "999000029"  # LMH: demolishes and receives in the MEL sample


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relogd:
    def __init__(self, args, port):
        self.args, self.port, self.proc = args, port, None

    def start(self):
        port_file = os.path.join(self.args.work, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        log = open(os.path.join(self.args.work, "relogd.log"), "ab")
        self.proc = subprocess.Popen(
            [self.args.relogd, "--listen=127.0.0.1:%d" % self.port,
             "--data_dir=" + os.path.join(self.args.work, "data"),
             "--reference_dir=" + os.path.join(self.args.source_dir,
                                               "deploy/reference/mel"),
             "--port_file=" + port_file, "--access_log=false"],
            stdout=log, stderr=log)
        deadline = time.time() + 60
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit("relogd did not start (see relogd.log)")
            time.sleep(0.05)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relogd", required=True)
    parser.add_argument("--relogctl", required=True)
    parser.add_argument("--source_dir", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--households", type=int, default=150)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print("seed", seed, flush=True)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work, exist_ok=True)

    port = free_port()
    server = "127.0.0.1:%d" % port
    relogd = Relogd(args, port)
    relogd.start()
    db = os.path.join(args.work, "backoffice.sqlite")
    backoffice_cmd = [
        "/usr/bin/python3",
        os.path.join(args.source_dir, "clients/python/backoffice.py"),
        "--server=" + server, "--landlord=" + LANDLORD, "--db=" + db,
        "--batch=7", "--stubs=" + os.path.join(args.work, "stubs")]
    demo_cmd = [args.relogctl, "--server=" + server, "demo",
                "--households=%d" % args.households, "--seed=%d" % seed,
                "--in_flight=16", "--reference_dir=" +
                os.path.join(args.source_dir, "deploy/reference/mel")]
    devnull = subprocess.DEVNULL
    # The stubs are generated once, before the kills start.
    subprocess.run(backoffice_cmd + ["--until_caught_up"], check=True)
    backoffice = subprocess.Popen(backoffice_cmd, stderr=devnull)
    demo = subprocess.Popen(demo_cmd, stdout=devnull, stderr=devnull)

    for cycle in range(args.cycles):
        time.sleep(rng.uniform(0.3, 1.5))
        what = rng.choice(["backoffice", "backoffice", "relogd", "both"])
        if what in ("backoffice", "both"):
            backoffice.send_signal(signal.SIGKILL)
            backoffice.wait()
        if what in ("relogd", "both"):
            relogd.kill()
            relogd.start()
        if what in ("backoffice", "both"):
            backoffice = subprocess.Popen(backoffice_cmd, stderr=devnull)
        if demo.poll() is not None:
            # More load: a rerun replays the households' request ids and
            # adds what the first run could not write.
            demo = subprocess.Popen(demo_cmd, stdout=devnull, stderr=devnull)
        print("cycle %d: killed %s; demo %s" %
              (cycle, what, "running" if demo.poll() is None else "done"),
              flush=True)

    # The load ends (a demo that met a killed relogd ends with errors: it
    # only has to write while the kills happen).
    demo.wait()
    backoffice.send_signal(signal.SIGKILL)
    backoffice.wait()
    subprocess.run(backoffice_cmd + ["--until_caught_up"], check=True)

    feed = subprocess.run(
        [args.relogctl, "--server=" + server, "--json", "subscribe",
         "--landlord=" + LANDLORD, "--until_caught_up", "--after=0"],
        check=True, capture_output=True, text=True).stdout
    expected = [json.loads(line)["event"]["event_id"]
                for line in feed.splitlines() if line.startswith("{")]
    table = sqlite3.connect(db)
    got = [row[0] for row in
           table.execute("SELECT event_id FROM events ORDER BY rowid")]
    position = table.execute("SELECT position FROM feed").fetchone()[0]
    relogd.stop()

    print("events expected %d, in the table %d (distinct %d), feed at %d" %
          (len(expected), len(got), len(set(got)), position))
    if not expected:
        sys.exit("the landlord's feed is empty: the test proves nothing")
    if got != expected:
        missing = [e for e in expected if e not in set(got)]
        extra = len(got) - len(set(got))
        sys.exit("MISMATCH: %d missing, %d duplicated" % (len(missing), extra))
    print("OK")


if __name__ == "__main__":
    main()
