#!/usr/bin/env python3
"""Checks a relog audit export against signed checkpoints, without relogd.

    python3 verify_export.py --public-key KEY.pem [--checkpoint FILE]... EXPORT

Implements docs/AUDIT.md from the format alone (as relog-verify does in
C++): recomputes the stream hash of every event and the global hash of every
position, then checks the checkpoint embedded at the export's end and each
--checkpoint given (Ed25519 signature, and the global hash signed at its
position). Needs Debian's python3-cryptography.

Exit codes: 0 verified; 1 a file cannot be read, or a checkpoint precedes
the export; 2 usage; 3 broken (the first bad position and why are printed).
"""

import argparse
import datetime
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

ZERO = b"\0" * 32
CHECKPOINT_KEYS = ("position", "global_hash", "recorded_at", "signed_at",
                   "key_id", "signature")


class Broken(Exception):
    def __init__(self, problem, position, detail):
        super().__init__(detail)
        self.problem, self.position, self.detail = problem, position, detail


def is_hex(text, size):
    return len(text) == size and all(c in "0123456789abcdef" for c in text)


def decimal(text):
    if not text.isdigit() or not text.isascii():
        raise ValueError(text)
    return int(text)


def decode_canonical(data):
    """(stream_id, version, position, recorded_at_us) of canonical_event."""
    def string(at):
        (n,) = struct.unpack_from(">I", data, at)
        if at + 4 + n > len(data):
            raise ValueError("truncated string")
        return data[at + 4:at + 4 + n], at + 4 + n

    if data[:4] != b"RLE1":
        raise ValueError("format tag")
    stream_id, at = string(4)
    version, position, recorded = struct.unpack_from(">QQq", data, at)
    at += 24 + 16  # the three integers, then the 16-byte event id
    if at > len(data):
        raise ValueError("truncated")
    for _ in range(6):  # type, actor, correlation, causation, occurred, payload
        _, at = string(at)
    if at != len(data):
        raise ValueError("trailing bytes")
    return stream_id, version, position, recorded


def format_micros(micros):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_checkpoint(text, source, key, key_id):
    """The checkpoint's fields, after checking its signature."""
    if not text.endswith(b"\n"):
        raise Broken("checkpoint malformed", 0,
                     source + ": does not end with a newline")
    lines = text[:-1].split(b"\n")
    if len(lines) != 7 or lines[0] != b"relog-checkpoint-v1":
        raise Broken("checkpoint malformed", 0,
                     source + ": not the 7 lines of relog-checkpoint-v1")
    fields = {}
    for name, line in zip(CHECKPOINT_KEYS, lines[1:]):
        prefix = name.encode() + b"="
        if not line.startswith(prefix):
            raise Broken("checkpoint malformed", 0,
                         "%s: expected %s" % (source, prefix.decode()))
        fields[name] = line[len(prefix):].decode("ascii", "replace")
    position = fields["position"]
    if (not position.isdigit() or position.startswith("0")
            or not is_hex(fields["global_hash"], 64)
            or not is_hex(fields["key_id"], 16)
            or not is_hex(fields["signature"], 128)):
        raise Broken("checkpoint malformed", 0,
                     source + ": a field does not have its format")
    checkpoint = {
        "source": source,
        "position": int(position),
        "global_hash": bytes.fromhex(fields["global_hash"]),
        "recorded_at": fields["recorded_at"],
        "signed_at": fields["signed_at"],
        "key_id": fields["key_id"],
    }
    if checkpoint["key_id"] != key_id:
        raise Broken("wrong key", checkpoint["position"],
                     "%s names key %s, not the key given (%s)"
                     % (source, checkpoint["key_id"], key_id))
    signed = text[:len(text) - len(lines[6]) - 1]
    try:
        key.verify(bytes.fromhex(fields["signature"]), signed)
    except InvalidSignature:
        raise Broken("bad signature", checkpoint["position"],
                     source + ": the signature does not verify: the "
                     "checkpoint was edited or forged")
    return checkpoint


def check_export(lines, wanted):
    """Recomputes the chains; returns what the checkpoints are checked with."""
    def header(index, name):
        fields = lines[index].split("\t") if index < len(lines) else []
        if len(fields) != 2 or fields[0] != name:
            raise Broken("malformed", 0, "the header lines do not parse")
        return fields[1]

    if not lines or lines[0] != "relog-export-v1":
        raise Broken("malformed", 0, "not a relog-export-v1 file")
    scope = lines[1].split("\t") if len(lines) > 1 else []
    if scope == ["scope", "log"]:
        scope_stream = None
    elif (len(scope) == 3 and scope[:2] == ["scope", "stream"]
          and scope[2] and len(scope[2]) % 2 == 0
          and is_hex(scope[2], len(scope[2]))):
        scope_stream = bytes.fromhex(scope[2])
    else:
        raise Broken("malformed", 0, "the scope line does not parse")
    try:
        first = decimal(header(2, "first_position"))
        last = decimal(header(3, "last_position"))
        previous = header(4, "previous_global_hash")
    except ValueError:
        raise Broken("malformed", 0, "the header lines do not parse")
    if first == 0 or last + 1 < first or not is_hex(previous, 64):
        raise Broken("malformed", 0, "the header lines do not parse")
    glob = bytes.fromhex(previous)
    if scope_stream is None and (first != 1 or glob != ZERO):
        raise Broken("malformed", 0, "an export of the whole log starts at "
                     "position 1 from 32 zero bytes")
    result = {"first": first, "last": last, "scope": scope_stream,
              "global_at": {first - 1: glob}, "recorded_at": {},
              "events": 0, "links": 0, "verified_to": first - 1}
    streams = {}  # stream id -> (next version, last stream hash)
    expected, last_recorded = first, None
    index = 5
    while True:
        if index >= len(lines):
            raise Broken("malformed", expected,
                         "the export ends without its end line")
        fields = lines[index].split("\t")
        index += 1
        if fields[0] == "end":
            if (len(fields) != 3
                    or fields[1:] != [str(result["events"]),
                                      str(result["links"])]):
                raise Broken("malformed", expected,
                             "the end line does not count the rows given")
            break
        kind = fields[0]
        if not ((kind == "e" and len(fields) == 5)
                or (kind == "l" and len(fields) == 4)):
            raise Broken("malformed", expected, "a row does not parse")
        try:
            position = decimal(fields[1])
        except ValueError:
            raise Broken("malformed", expected,
                         "a row's position does not parse")
        if position < expected or position > last:
            raise Broken("reordered", expected,
                         "a row for position %d comes where position %d was "
                         "due" % (position, expected))
        if position > expected:
            raise Broken("missing", expected,
                         "position %d is absent; the next stored is %d"
                         % (expected, position))
        stream_hex, global_hex = fields[-2], fields[-1]
        if not is_hex(stream_hex, 64) or not is_hex(global_hex, 64):
            raise Broken("altered", position, "the stored record is too "
                         "short to hold its two hashes")
        stream_hash = bytes.fromhex(stream_hex)
        if kind == "e":
            try:
                canonical = bytes.fromhex(fields[2])
                stream_id, version, event_position, recorded = (
                    decode_canonical(canonical))
            except (ValueError, struct.error):
                raise Broken("altered", position,
                             "the event's bytes do not decode")
            if event_position != position:
                raise Broken("reordered", position,
                             "the record stored at position %d is the event "
                             "of position %d" % (position, event_position))
            if scope_stream is not None and stream_id != scope_stream:
                raise Broken("altered", position, "the event belongs to "
                             "another stream than the one exported")
            next_version, previous_hash = streams.get(stream_id, (0, ZERO))
            if version != next_version:
                raise Broken("missing" if version > next_version
                             else "reordered", position,
                             "stream %r has version %d where version %d was "
                             "due" % (stream_id.decode("utf-8", "replace"),
                                      version, next_version))
            if last_recorded is not None and recorded < last_recorded:
                raise Broken("reordered", position,
                             "recorded_at goes back in time")
            computed = hashlib.sha256(previous_hash + canonical).digest()
            if computed != stream_hash:
                raise Broken("altered", position,
                             "the event's bytes do not match its stream hash")
            streams[stream_id] = (version + 1, computed)
            last_recorded = recorded
            if position in wanted:
                result["recorded_at"][position] = recorded
            result["events"] += 1
        else:
            result["links"] += 1
        glob = hashlib.sha256(glob + struct.pack(">Q", position)
                              + stream_hash).digest()
        if glob != bytes.fromhex(global_hex):
            raise Broken("altered", position, "the stored global hash does "
                         "not chain from the previous one")
        if position in wanted:
            result["global_at"][position] = glob
        result["verified_to"] = position
        expected += 1
    if result["verified_to"] < last:
        raise Broken("missing", result["verified_to"] + 1,
                     "the export declares positions up to %d but its rows "
                     "end at %d" % (last, result["verified_to"]))
    result["end_line"] = index
    return result


def check_against(checkpoint, result):
    c = checkpoint["position"]
    if c > result["verified_to"]:
        raise Broken("truncated", c,
                     "%s signed position %d but the log exported ends at "
                     "position %d: the newest events were deleted"
                     % (checkpoint["source"], c, result["verified_to"]))
    computed = result["global_at"][c]
    if computed != checkpoint["global_hash"]:
        raise Broken("rewritten", c,
                     "the global hash at position %d is %s, %s signed %s: the "
                     "history up to it was changed"
                     % (c, computed.hex(), checkpoint["source"],
                        checkpoint["global_hash"].hex()))
    recorded = result["recorded_at"].get(c)
    if recorded is not None and format_micros(recorded) != checkpoint[
            "recorded_at"]:
        raise Broken("rewritten", c,
                     "the event at position %d was recorded at %s, %s signed "
                     "%s" % (c, format_micros(recorded), checkpoint["source"],
                             checkpoint["recorded_at"]))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-key", "--public_key", required=True)
    parser.add_argument("--checkpoint", action="append", default=[])
    parser.add_argument("export")
    args = parser.parse_args(argv)
    try:
        with open(args.public_key, "rb") as f:
            key = serialization.load_pem_public_key(f.read())
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise ValueError("not Ed25519")
        raw = key.public_bytes(serialization.Encoding.Raw,
                               serialization.PublicFormat.Raw)
        key_id = hashlib.sha256(raw).hexdigest()[:16]
        given = []
        for path in args.checkpoint:
            with open(path, "rb") as f:
                given.append((path, f.read()))
        with open(args.export, "rb") as f:
            data = f.read()
    except (OSError, ValueError) as error:
        print("verify_export: %s" % error, file=sys.stderr)
        return 1
    try:
        # Signatures of the checkpoints given first: a forged one proves
        # nothing, whatever the export holds.
        checkpoints = [read_checkpoint(text, path, key, key_id)
                       for path, text in given]
        # Rows are ASCII; the embedded checkpoint follows the end line.
        lines = data.split(b"\n")
        text_lines = []
        for line in lines:
            text_lines.append(line.decode("ascii", "replace"))
            if line.startswith(b"end\t"):
                break
        wanted = {c["position"] for c in checkpoints}
        header = [l.split("\t") for l in text_lines[:5]]
        for fields in header:
            if len(fields) == 2 and fields[0] == "last_position" and \
                    fields[1].isdigit():
                wanted.add(int(fields[1]))
        result = check_export(text_lines, wanted)
        embedded_text = b"\n".join(lines[result["end_line"]:])
        embedded = read_checkpoint(embedded_text, "the export's checkpoint",
                                   key, key_id)
        if embedded["position"] != result["last"]:
            raise Broken("malformed", embedded["position"],
                         "the export's checkpoint is at position %d, not at "
                         "its last position %d"
                         % (embedded["position"], result["last"]))
        for checkpoint in checkpoints:
            if checkpoint["position"] + 1 < result["first"]:
                print("verify_export: %s (position %d) precedes this export, "
                      "which starts at position %d: export from before it"
                      % (checkpoint["source"], checkpoint["position"],
                         result["first"]), file=sys.stderr)
                return 1
        for checkpoint in checkpoints + [embedded]:
            check_against(checkpoint, result)
    except Broken as broken:
        print("BROKEN at position %d (%s): %s"
              % (broken.position, broken.problem, broken.detail))
        return 3
    scope = ("the whole log" if result["scope"] is None
             else "stream %r" % result["scope"].decode("utf-8", "replace"))
    print("OK: %s, positions %d-%d: %d events, %d links"
          % (scope, result["first"], result["last"], result["events"],
             result["links"]))
    for checkpoint in [embedded] + checkpoints:
        print("checkpoint at position %d (signed %s, key %s): %s"
              % (checkpoint["position"], checkpoint["signed_at"],
                 checkpoint["key_id"], checkpoint["source"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
