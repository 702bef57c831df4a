#!/usr/bin/env bash
# The benchmark suite of issue 6 (`make bench`): on this machine, in one go,
# the limit, the event store, relogd through gRPC and the PostgreSQL peer at
# the same concurrencies, then projection rebuild and subscription catch-up
# at national scale; ends with ONE table of the figures and their ratios.
#
#   deploy/bench/run_all.sh [--concurrency=1,16,64,256] [--store_seconds=5]
#       [--load_seconds=10] [--pg_seconds=10] [--national_households=150000]
#       [--subscribe_seconds=120] [--report_calls=20] [--skip_national]
#       [--dir=/tmp] [--keep]
#
# Every flag is also an environment variable of the same name in capitals
# (LOAD_SECONDS=20 deploy/bench/run_all.sh); flags win. A full run with the
# defaults took 7.5 minutes on 2 cores (2026-12-02); --skip_national drops
# part 5 (5.5 minutes of it). Longer runs: raise the *_seconds.
#
# 1. the limit and 2. the store: build/bin/relog-bench-store (fdatasync
#    latency; raw RocksDB synced WriteBatches and EventStore appends, one
#    500-byte event per append, at each concurrency; no scan).
# 3. relogd: a Release relogd on a fresh data folder per concurrency
#    (--listen=127.0.0.1:0 --port_file, --access_log=false), loaded by
#    build/bin/relog-loadgen --clients=N; relogd's CPU (/proc/PID/stat) and
#    the machine's (/proc/stat) over each run.
# 4. PostgreSQL 15: a cluster made by initdb in a temporary folder owned by
#    postgres (initdb refuses root), started on a free loopback port with
#    default settings but the port, synchronous_commit=on, ssl=off and
#    max_connections=300 (the default 100 cannot take 256 clients);
#    build/bin/relog-bench-postgres appends the same way the load generator
#    does (one connection per client thread, one transaction per append).
# 5. build/bin/relog-bench-reports at --national_households cases: full
#    rebuild of each projection and of both side by side, and a Subscribe
#    from position 0 through relogd (its MEL part is run with few calls).
#
# Needs the Release build (make release). Must run from anywhere; works in
# the repository's root. Every server it starts is stopped and every folder
# it makes is removed on exit (--keep keeps the folders and logs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bin="$root/build/bin"

CONCURRENCY="${CONCURRENCY:-1,16,64,256}"
STORE_SECONDS="${STORE_SECONDS:-5}"
LOAD_SECONDS="${LOAD_SECONDS:-10}"
PG_SECONDS="${PG_SECONDS:-10}"
NATIONAL_HOUSEHOLDS="${NATIONAL_HOUSEHOLDS:-150000}"
SUBSCRIBE_SECONDS="${SUBSCRIBE_SECONDS:-120}"
REPORT_CALLS="${REPORT_CALLS:-20}"
SKIP_NATIONAL="${SKIP_NATIONAL:-0}"
DIR="${DIR:-/tmp}"
KEEP="${KEEP:-0}"
for arg in "$@"; do
  case "$arg" in
    --concurrency=*) CONCURRENCY="${arg#*=}" ;;
    --store_seconds=*) STORE_SECONDS="${arg#*=}" ;;
    --load_seconds=*) LOAD_SECONDS="${arg#*=}" ;;
    --pg_seconds=*) PG_SECONDS="${arg#*=}" ;;
    --national_households=*) NATIONAL_HOUSEHOLDS="${arg#*=}" ;;
    --subscribe_seconds=*) SUBSCRIBE_SECONDS="${arg#*=}" ;;
    --report_calls=*) REPORT_CALLS="${arg#*=}" ;;
    --skip_national) SKIP_NATIONAL=1 ;;
    --dir=*) DIR="${arg#*=}" ;;
    --keep) KEEP=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "run_all.sh: unknown argument $arg (see --help)" >&2
      exit 2
      ;;
  esac
done
IFS=, read -r -a levels <<<"$CONCURRENCY"

pg_bin=/usr/lib/postgresql/15/bin
for b in relogd relog-loadgen relog-bench-store relog-bench-postgres \
  relog-bench-reports; do
  [ -x "$bin/$b" ] || {
    echo "run_all.sh: $bin/$b missing: run make release (libpq-dev for" \
      "relog-bench-postgres)" >&2
    exit 2
  }
done
[ -x "$pg_bin/initdb" ] || {
  echo "run_all.sh: $pg_bin/initdb missing: deploy/install-deps.sh" >&2
  exit 2
}

mkdir -p "$DIR"
work="$(mktemp -d "$DIR/relog-bench-all-XXXXXX")"
# PostgreSQL's folder is its own, owned by postgres when we are root: the
# server must be able to enter it, and not the rest of ours.
pgdir="$(mktemp -d "$DIR/relog-bench-pg-XXXXXX")"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$pgdir"
  as_pg=(runuser -u postgres --)
fi
relogd_pid=""
pg_started=0

cleanup() {
  local rc=$?
  if [ -n "$relogd_pid" ]; then
    kill "$relogd_pid" 2>/dev/null || true
    wait "$relogd_pid" 2>/dev/null || true
  fi
  if [ "$pg_started" -eq 1 ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdir/data" -m fast -w stop \
      >/dev/null 2>&1 || true
  fi
  if [ "$KEEP" -eq 1 ]; then
    echo "kept: $work $pgdir"
  else
    rm -rf "$work" "$pgdir"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '.. %s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# CPU ticks of a process (user + system), and of the machine (busy, total).
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i;
  print t - $5 - $6, t }' /proc/stat; }
clk_tck="$(getconf CLK_TCK)"

fs="$(df -T "$work" | awk 'NR == 2 { print $2 " on " $1 }')"
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
mem="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "relog make bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores" \
  "($cpu), $mem, $fs, $(uname -r)"
echo "durations: store ${STORE_SECONDS}s, relogd ${LOAD_SECONDS}s," \
  "PostgreSQL ${PG_SECONDS}s per concurrency; concurrency $CONCURRENCY"
echo

# ------------------------------------------------- 1 and 2: the store bench
say "relog-bench-store: fdatasync, raw RocksDB and the store"
"$bin/relog-bench-store" --dir="$work" --seconds="$STORE_SECONDS" \
  --writers="$CONCURRENCY" --scan_events=0 | tee "$work/store.txt"
echo

# ------------------------------------------------------ 3: relogd via gRPC
: >"$work/relogd.txt"
for c in "${levels[@]}"; do
  data="$work/relogd-$c"
  mkdir -p "$data"
  rm -f "$work/relogd.port"
  "$bin/relogd" --listen=127.0.0.1:0 --port_file="$work/relogd.port" \
    --data_dir="$data" --access_log=false >"$work/relogd-$c.log" 2>&1 &
  relogd_pid=$!
  for _ in $(seq 600); do
    [ -s "$work/relogd.port" ] && break
    kill -0 "$relogd_pid" 2>/dev/null || {
      echo "relogd ended before serving:" >&2
      tail -20 "$work/relogd-$c.log" >&2
      exit 1
    }
    sleep 0.05
  done
  port="$(cat "$work/relogd.port")"
  say "relog-loadgen --clients=$c against relogd on port $port"
  read -r busy0 total0 < <(machine_ticks)
  cpu0="$(proc_ticks "$relogd_pid")"
  "$bin/relog-loadgen" --server="127.0.0.1:$port" --clients="$c" \
    --duration_seconds="$LOAD_SECONDS" --seed="$c" | tee "$work/loadgen-$c.txt"
  cpu1="$(proc_ticks "$relogd_pid")"
  read -r busy1 total1 < <(machine_ticks)
  kill "$relogd_pid"
  wait "$relogd_pid" || true
  relogd_pid=""
  # clients events/s p50 p99 p999 relogd-cores machine-busy-%
  awk -v c="$c" -v d="$LOAD_SECONDS" -v tck="$clk_tck" \
    -v rc="$((cpu1 - cpu0))" -v mb="$((busy1 - busy0))" \
    -v mt="$((total1 - total0))" '
    /^events / { ev = $3; sub(/\/s$/, "", ev) }
    /^latency ms/ { p50 = $4; p99 = $6; p999 = $8 }
    END { printf "%s %s %s %s %s %.2f %.0f\n", c, ev, p50, p99, p999,
          rc / tck / d, 100 * mb / (mt ? mt : 1) }' \
    "$work/loadgen-$c.txt" >>"$work/relogd.txt"
done
echo

# ------------------------------------------------------- 4: the PostgreSQL peer
say "PostgreSQL: initdb in $pgdir"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pgdir/data" -U postgres -A trust \
  -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || {
  cat "$work/initdb.log" >&2
  exit 1
}
pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pg_started=1
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-c port=$pg_port -c listen_addresses=127.0.0.1 \
      -c unix_socket_directories=$pgdir -c synchronous_commit=on \
      -c ssl=off -c max_connections=300" start >/dev/null
say "relog-bench-postgres on port $pg_port"
"$bin/relog-bench-postgres" --seconds="$PG_SECONDS" --clients="$CONCURRENCY" \
  --conninfo="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres sslmode=disable" |
  tee "$work/postgres.txt"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null
pg_started=0
echo

# ----------------------------------------- 5: projections at national scale
if [ "$SKIP_NATIONAL" -eq 0 ]; then
  say "relog-bench-reports: $NATIONAL_HOUSEHOLDS cases"
  # A failure here still prints the table of parts 1-4.
  "$bin/relog-bench-reports" --dir="$work" --calls="$REPORT_CALLS" \
    --engine_calls=5 --national_households="$NATIONAL_HOUSEHOLDS" \
    --case_index_budget_seconds=0 --follow_seconds=5 \
    --subscribe_seconds="$SUBSCRIBE_SECONDS" | tee "$work/reports.txt" ||
    echo "relog-bench-reports FAILED (exit ${PIPESTATUS[0]})" |
    tee -a "$work/reports.txt"
  echo
fi

# ------------------------------------------------------------- the table
echo "================================================================"
echo "relog make bench, $(date -u '+%Y-%m-%d'): $(nproc) cores ($cpu), $mem, $fs"
awk '/^disk: 4 KiB appended/ { printf "disk: 4 KiB append + fdatasync p50 %s ms, p99 %s ms;", $10, $13 }
     /^disk: 4 KiB overwritten/ { printf " overwrite + fdatasync p50 %s ms, p99 %s ms\n", $10, $13 }' \
  "$work/store.txt"
echo "events/s and latency (ms); one 500-byte event per append, synced; one stream per client"
# Rows of the store bench: writers store-ev p50 p99 raw-ev p50 p99 ratio.
awk '$1 ~ /^[0-9]+$/ && NF == 8 { print $1, $5, $6, $7, $2, $3, $4 }' \
  "$work/store.txt" >"$work/t-store"
awk '$1 ~ /^[0-9]+$/ && NF == 5 { print $1, $2, $3, $4 }' \
  "$work/postgres.txt" >"$work/t-pg"
awk '
  FILENAME ~ /t-store$/ { raw[$1] = $2; rawp50[$1] = $3; rawp99[$1] = $4;
                          st[$1] = $5; stp50[$1] = $6; stp99[$1] = $7 }
  FILENAME ~ /t-pg$/ { pg[$1] = $2; pgp50[$1] = $3; pgp99[$1] = $4 }
  FILENAME ~ /relogd.txt$/ { n[++rows] = $1; rl[$1] = $2; rlp50[$1] = $3;
                             rlp99[$1] = $4; rlp999[$1] = $5; cores[$1] = $6;
                             busy[$1] = $7 }
  function r(a, b) { return (b > 0) ? sprintf("%.2fx", a / b) : "-" }
  END {
    printf "%-7s | %-22s | %-22s | %-29s | %-22s | %-9s %-9s %-9s\n",
      "clients", "raw RocksDB (limit)", "event store", "relogd gRPC (p50/p99/p999)",
      "PostgreSQL 15", "relogd/", "relogd/", "relogd/"
    printf "%-7s | %-22s | %-22s | %-29s | %-22s | %-9s %-9s %-9s\n",
      "", "ev/s   p50   p99", "ev/s   p50   p99", "ev/s   p50   p99   p999",
      "ev/s   p50   p99", "raw", "store", "PG"
    for (i = 1; i <= rows; i++) {
      c = n[i]
      printf "%7s | %7.0f %6.2f %7.2f | %7.0f %6.2f %7.2f | %7.0f %6.2f %6.2f %7.2f | %7.0f %6.2f %7.2f | %-9s %-9s %-9s\n",
        c, raw[c], rawp50[c], rawp99[c], st[c], stp50[c], stp99[c],
        rl[c], rlp50[c], rlp99[c], rlp999[c], pg[c], pgp50[c], pgp99[c],
        r(rl[c], raw[c]), r(rl[c], st[c]), r(rl[c], pg[c])
    }
    printf "relogd CPU (cores of %d) / machine busy during each relogd run:", '"$(nproc)"'
    for (i = 1; i <= rows; i++) printf "  %s: %.2f / %d%%", n[i], cores[n[i]], busy[n[i]]
    printf "\n"
    if (64 in rl) {
      a = (pg[64] > 0) ? rl[64] / pg[64] : 0
      b = (raw[64] > 0) ? rl[64] / raw[64] : 0
      # Parenthesised: a bare > in a printf argument is a redirection.
      va = (a >= 3) ? "met (aim)" : ((a >= 2) ? "met" : "MISSED")
      vb = (b >= 0.5) ? "met" : "MISSED"
      printf "target relogd/PostgreSQL at 64 >= 2x (aim 3x): %.2fx  %s\n", a, va
      printf "target relogd/raw RocksDB at 64 >= 0.5x:       %.2fx  %s\n", b, vb
    }
    if (16 in rl)
      printf "target relogd p99 at 16 clients < 10 ms:       %.2f ms  %s\n",
        rlp99[16], ((rlp99[16] < 10) ? "met" : "MISSED")
  }' "$work/t-store" "$work/t-pg" "$work/relogd.txt"
if [ "$SKIP_NATIONAL" -eq 0 ]; then
  awk '
    /^  store: [0-9]+ events, [0-9]+ cases/ { ev = $2; cases = $4 }
    /Rebuild report-facts/ { facts = $4; factsx = $5 }
    /(Rebuild|Build) +case-index/ { idx = $3; idxx = $4 }
    /Build case-index \(first/ { idx = $6; idxx = $7 }
    /Rebuild all projections side by side/ { all = $7; allx = $8 }
    /raw RocksDB iterator/ { raw = $6 }
    /subscription catch-up/ { sub_ = $3 }
    /caught up:|budget spent before/ { subline = $0 }
    END {
      printf "projections at national scale: %s cases, %s events (raw log scan %s events/s)\n", cases, ev, raw
      printf "  full rebuild, events/s (x raw scan): report-facts %s (%s), case-index %s (%s), both side by side %s (%s)\n",
        facts, factsx, idx, idxx, all, allx
      printf "  subscription catch-up from position 0 through relogd: %s events/s\n", sub_
      sub(/^ +/, "", subline); printf "    (%s)\n", subline
    }' "$work/reports.txt"
fi
echo "logs and raw outputs: $work (removed at exit unless --keep)"
