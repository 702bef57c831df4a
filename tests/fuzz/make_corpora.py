#!/usr/bin/python3
"""Writes the seed corpora of the fuzzers (tests/fuzz/corpus/<name>/).

    tests/fuzz/make_corpora.py [--request_fuzzer=build/test/bin/request_fuzzer]

event_replay_fuzzer: the golden stored payloads (tests/cases/golden/*.bin)
one event each, and whole histories in the order a case lives them;
page_token_fuzzer: tokens the service hands out; csv_import_fuzzer: the
example import files (deploy/import/) cut into small files, in both
separators and encodings. The request corpus is written by the request
fuzzer itself (RELOG_FUZZ_WRITE_CORPUS=DIR), when --request_fuzzer is given.
"""
import argparse
import os
import pathlib
import shutil
import struct
import subprocess

SOURCE = pathlib.Path(__file__).resolve().parents[2]
CORPUS = SOURCE / "tests/fuzz/corpus"


def fresh(name):
    d = CORPUS / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def case_event_types():
    # The order of AllCaseEventTypes(): CaseStep's oneof `step` in field
    # order, then StepCorrected and StepCancelled.
    proto = (SOURCE / "proto/relog/v1/case_events.proto").read_text()
    body = proto[proto.index("message CaseStep {"):]
    body = body[body.index("oneof step {"):]
    body = body[:body.index("}")]
    types = []
    for line in body.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "=":
            types.append("relog.v1." + parts[0])
    return types + ["relog.v1.StepCorrected", "relog.v1.StepCancelled"]


def event_chunk(index, payload, flags=0):
    return struct.pack(">BBH", index, flags, len(payload)) + payload


def event_replay():
    d = fresh("event_replay_fuzzer")
    types = case_event_types()
    golden = SOURCE / "tests/cases/golden"
    payloads = {}
    for i, t in enumerate(types):
        payloads[t] = (golden / (t + ".bin")).read_bytes()
        (d / ("%02d-%s" % (i, t[len("relog.v1."):]))).write_bytes(
            event_chunk(i, payloads[t]))
    lives = {
        "rehoused": ["HouseholdIdentified", "WishesRecorded",
                     "DiagnosisRecorded", "CommitteeReviewed", "OfferMade",
                     "OfferAccepted", "CalDecisionRecorded", "LeaseSigned",
                     "HouseholdMoved", "KeysReturned", "CaseClosed"],
        "refused": ["HouseholdIdentified", "DiagnosisRecorded",
                    "CommitteeReviewed", "OfferMade", "OfferRefused",
                    "OfferMade", "OfferLapsed"],
        "corrected": ["HouseholdIdentified", "WishesRecorded",
                      "StepCorrected", "StepCancelled"],
        "reopened": ["HouseholdIdentified", "HouseholdLeft", "CaseClosed",
                     "CaseReopened"],
    }
    for name, life in lives.items():
        data = b"".join(
            event_chunk(types.index("relog.v1." + t),
                        payloads["relog.v1." + t], flags=2 * k)
            for k, t in enumerate(life))
        (d / ("life-" + name)).write_bytes(data)
    # An event without occurred_at, and one of a type that is not a case
    # event, after a good one.
    first = payloads[types[0]]
    (d / "no-occurred-at").write_bytes(event_chunk(0, first) +
                                      event_chunk(1, payloads[types[1]], 1))
    (d / "unknown-type").write_bytes(event_chunk(0, first) +
                                    event_chunk(250, b"\x08\x01"))


def page_tokens():
    d = fresh("page_token_fuzzer")
    # 24 tokens the service hands out (or could), then 7 it refuses.
    valid = ["", "v:0", "v:1", "v:2", "v:3", "v:7", "v:64", "v:100", "v:999",
             "v:1001", "v:4294967295", "v:4294967296",
             "v:18446744073709551615", "after:c0123456789ab", "after:case-1",
             "after:c3f2a9b1c0d4e", "after:c000000000001",
             "after:cfffffffffffff", "after:a", "after:demo_1", "after:z-9",
             "after:imp-000123", "after:cases/c1", "v: 7"]
    refused = ["v:", "after:", "v:-1", "v:12a", "after", "x:1",
               "v:99999999999999999999"]
    tokens = valid + refused
    for i, t in enumerate(tokens):
        (d / ("%02d" % i)).write_bytes(t.encode())


def csv_files():
    d = fresh("csv_import_fuzzer")
    n = 0

    def write(name, data):
        nonlocal n
        (d / ("%02d-%s" % (n, name))).write_bytes(data)
        n += 1

    for source in ["example.csv", "example-corrected.csv"]:
        text = (SOURCE / "deploy/import" / source).read_text(encoding="utf-8")
        lines = text.splitlines()
        header, rows = lines[0], lines[1:]
        write(source, text.encode())
        # The header with a few rows at a time: small inputs.
        for start in range(0, len(rows), 4):
            chunk = "\n".join([header] + rows[start:start + 4]) + "\n"
            write("%s-%d" % (source, start), chunk.encode())
        if source == "example.csv":
            part = "\r\n".join([header] + rows[:3]) + "\r\n"
            write("crlf", part.encode())
            write("bom", b"\xef\xbb\xbf" + part.encode())
            write("cp1252", part.encode("cp1252", errors="replace"))
            write("comma", part.replace(";", ",").encode())
            quoted = header + "\n" + rows[0].replace(
                "Mme Dubois", '"Mme ""Dubois""; née\nMartin"') + "\n"
            write("quoted", quoted.encode())
            # The same encodings and separators over other rows.
            part = "\r\n".join([header] + rows[3:6]) + "\r\n"
            write("crlf-2", part.encode())
            write("bom-2", b"\xef\xbb\xbf" + part.encode())
            write("cp1252-2", part.encode("cp1252", errors="replace"))
            write("comma-2", part.replace(";", ",").encode())
    write("header-only", (header + "\n").encode())
    write("bad-header", b"reference;nope\nIMP-1;x\n")
    write("open-quote", (header + '\n"IMP-1;\n').encode())


def requests(fuzzer):
    d = fresh("request_fuzzer")
    env = dict(os.environ, RELOG_FUZZ_WRITE_CORPUS=str(d))
    subprocess.run([fuzzer], env=env, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--request_fuzzer")
    args = parser.parse_args()
    event_replay()
    page_tokens()
    csv_files()
    if args.request_fuzzer:
        requests(args.request_fuzzer)
    for d in sorted(CORPUS.iterdir()):
        print(d.name, len(list(d.iterdir())), "inputs")


if __name__ == "__main__":
    main()
