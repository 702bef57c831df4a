#!/usr/bin/env python3
"""Benchmark of `relogctl import` (docs/BENCHMARKS.md, "Bulk import").

Writes a CSV of N households (default 3,500) in the layout of
docs/IMPORT.md, starts a Release relogd on a fresh data folder, times
`relogctl import` of the file, then of the same file again (every household
already present), and prints the durations and households/s. A benchmark,
not a test: it asserts nothing but that the imports succeed.

    make release
    deploy/import/bench_import.py [--households=3500] [--parallel=8]
        [--bin=build/bin] [--keep=DIR]
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (operation, building, landlord, commune) of the reference sample.
SITES = [
    ("OP-LIL-CONCORDE-1", "BAT-A", "999000029", "59350"),
    ("OP-LIL-CONCORDE-1", "BAT-B", "999000029", "59350"),
    ("OP-LIL-CONCORDE-2", "BAT-B", "999000011", "59350"),
    ("OP-ROU-ALMA", "BAT-A", "999000029", "59512"),
    ("OP-ROU-ALMA", "BAT-C", "999000011", "59512"),
    ("OP-TRC-BOURGOGNE", "BAT-A", "999000011", "59599"),
    ("OP-TRC-BOURGOGNE", "BAT-B", "999000029", "59599"),
    ("OP-MON-NOUVEAUMONS", "BAT-A", "999000037", "59410"),
]
ARRIVALS = [("999000011", "59350"), ("999000029", "59512"),
            ("999000037", "59599"), ("999000045", "59009")]
COLUMNS = ("reference landlord_id tenant_reference national_application_number "
           "operation_id building_id occupancy identified_on head_name "
           "typology surface_m2 floor has_lift financing rent charges "
           "notice_sent_on diagnosed_on adults children resource_band "
           "housing_allowance occupancy_fit support_level "
           "committee_validated_on lease_signed_on lease_kind "
           "arrival_landlord_id arrival_commune_insee arrival_typology "
           "arrival_surface_m2 arrival_floor arrival_financing arrival_rent "
           "arrival_charges arrival_housing_allowance moved_on "
           "keys_returned_on exit exit_on closed_on").split()


def fr_date(ordinal):
    import datetime
    d = datetime.date.fromordinal(ordinal)
    return d.strftime("%d/%m/%Y")


def euros(cents):
    return f"{cents // 100},{cents % 100:02d}"


def generate(path, households, seed=7):
    import datetime
    rng = random.Random(seed)
    start = datetime.date(2017, 3, 1).toordinal()
    end = datetime.date(2022, 6, 1).toordinal()
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(";".join(COLUMNS) + "\r\n")
        for i in range(households):
            op, bat, landlord, _ = rng.choice(SITES)
            day = rng.randint(start, end)
            typ = rng.randint(1, 5)
            r = {
                "reference": f"BENCH-{i:05d}",
                "landlord_id": landlord,
                "operation_id": op,
                "building_id": bat,
                "occupancy": "titular_tenant",
                "identified_on": fr_date(day),
                "head_name": f"Ménage {i}",
                "typology": f"T{typ}",
                "surface_m2": f"{20 + 14 * typ},{rng.randint(0, 9)}",
                "floor": str(rng.randint(0, 8)),
                "has_lift": rng.choice(["oui", "non"]),
                "financing": rng.choice(["plus", "old_regime"]),
                "rent": euros(rng.randint(25000, 50000)),
                "charges": euros(rng.randint(4000, 9000)),
            }
            if i % 20 == 19:
                r["national_application_number"] = f"0591{i:08d}"
            else:
                r["tenant_reference"] = f"T-{landlord}-{i:05d}"
            path_kind = rng.random()
            d = day
            if path_kind > 0.1:
                d += rng.randint(5, 40)
                r["notice_sent_on"] = fr_date(d)
            if path_kind > 0.25:
                d += rng.randint(10, 60)
                r.update(diagnosed_on=fr_date(d), adults=str(rng.randint(1, 3)),
                         children=str(rng.randint(0, 4)),
                         resource_band="under_plai",
                         housing_allowance=euros(rng.randint(0, 30000)),
                         occupancy_fit="adequate", support_level="light")
            if path_kind > 0.4:
                d += rng.randint(20, 90)
                r["committee_validated_on"] = fr_date(d)
            if path_kind > 0.5 and path_kind <= 0.55:
                d += rng.randint(10, 200)
                r.update(exit="departure", exit_on=fr_date(d))
            elif path_kind > 0.55:
                d += rng.randint(60, 300)
                a_landlord, a_insee = rng.choice(ARRIVALS)
                r.update(lease_signed_on=fr_date(d), lease_kind="definitive",
                         arrival_landlord_id=a_landlord,
                         arrival_commune_insee=a_insee,
                         arrival_typology=f"T{typ}",
                         arrival_surface_m2=f"{22 + 14 * typ}",
                         arrival_floor=str(rng.randint(0, 6)),
                         arrival_financing="plus",
                         arrival_rent=euros(rng.randint(30000, 60000)),
                         arrival_charges=euros(rng.randint(4000, 9000)),
                         arrival_housing_allowance=euros(rng.randint(0, 25000)))
                d += rng.randint(5, 30)
                r["moved_on"] = fr_date(d)
                if path_kind > 0.65:
                    d += rng.randint(1, 20)
                    r["keys_returned_on"] = fr_date(d)
                if path_kind > 0.8:
                    d += rng.randint(30, 300)
                    r["closed_on"] = fr_date(d)
            f.write(";".join(r.get(c, "") for c in COLUMNS) + "\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=3500)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--keep", help="work in DIR and keep it")
    args = parser.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="relog-import-bench-")
    os.makedirs(work, exist_ok=True)
    csv = os.path.join(work, "households.csv")
    generate(csv, args.households)
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    port_file = os.path.join(work, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    relogd = subprocess.Popen(
        [os.path.join(args.bin, "relogd"), "--listen=127.0.0.1:0",
         f"--port_file={port_file}", f"--data_dir={data}",
         f"--reference_dir={os.path.join(ROOT, 'deploy/reference/mel')}",
         "--access_log=false"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "relogd.log"), "w"))
    try:
        for _ in range(600):
            if os.path.exists(port_file):
                break
            time.sleep(0.1)
        port = open(port_file).read().strip()
        ctl = [os.path.join(args.bin, "relogctl"), f"--server=127.0.0.1:{port}",
               "import", csv, f"--parallel={args.parallel}",
               f"--id_secret_file={os.path.join(work, 'id.secret')}"]
        print(f"{args.households} households, {os.path.getsize(csv)} bytes, "
              f"--parallel={args.parallel}, relogd {args.bin}")
        for label in ("first import", "same file again"):
            begin = time.monotonic()
            run = subprocess.run(ctl, capture_output=True, text=True)
            seconds = time.monotonic() - begin
            summary = {k: int(v) for k, v in re.findall(
                r"^(imported|already present|corrected|rejected)\s+(\d+)",
                run.stdout, re.M)}
            print(f"{label:16s} {seconds:7.2f} s  "
                  f"{args.households / seconds:7.0f} households/s  {summary}")
            if run.returncode != 0:
                print(run.stdout[-3000:], run.stderr[-2000:], file=sys.stderr)
                return 1
    finally:
        relogd.terminate()
        relogd.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
