"""The relog.v1 Python stubs, generated from proto/ when first needed.

The generated code is never committed: `load_stubs(out_dir)` runs Debian's
`protoc` with `grpc_python_plugin` (package protobuf-compiler-grpc) into
`out_dir` unless it already holds code generated from the same protos,
then imports it. The stubs work with Debian's python3-grpcio and
python3-protobuf (run with /usr/bin/python3).
"""

import hashlib
import importlib
import os
import subprocess
import sys

# The protos a subscriber needs, with everything they import.
PROTOS = (
    "relog/v1/data_class.proto",
    "relog/v1/case_events.proto",
    "relog/v1/case_service.proto",
    "relog/v1/subscriptions.proto",
)
_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.normpath(os.path.join(_HERE, "..", "..", "proto"))


def _digest(proto_dir):
    h = hashlib.sha256()
    for proto in PROTOS:
        with open(os.path.join(proto_dir, proto), "rb") as f:
            h.update(proto.encode() + b"\0" + f.read())
    return h.hexdigest()


def generate(out_dir, proto_dir=DEFAULT_PROTO_DIR):
    """Generates the stubs into out_dir if they are missing or stale."""
    os.makedirs(out_dir, exist_ok=True)
    stamp = os.path.join(out_dir, "relog_stubs.sha256")
    digest = _digest(proto_dir)
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return
    subprocess.run(
        ["protoc", "-I", proto_dir, "--python_out", out_dir,
         "--grpc_python_out", out_dir,
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"]
        + list(PROTOS),
        check=True)
    for package in ("relog", os.path.join("relog", "v1")):
        open(os.path.join(out_dir, package, "__init__.py"), "a").close()
    with open(stamp + ".tmp", "w") as f:
        f.write(digest)
    os.replace(stamp + ".tmp", stamp)


def load_stubs(out_dir, proto_dir=DEFAULT_PROTO_DIR):
    """Returns (subscriptions_pb2, subscriptions_pb2_grpc)."""
    generate(out_dir, proto_dir)
    if out_dir not in sys.path:
        sys.path.insert(0, out_dir)
    return (importlib.import_module("relog.v1.subscriptions_pb2"),
            importlib.import_module("relog.v1.subscriptions_pb2_grpc"))
