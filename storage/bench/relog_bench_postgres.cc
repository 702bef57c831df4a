// relog-bench-postgres: the peer of relog-bench-store and relog-loadgen
// (issue 6): how fast PostgreSQL appends events the usual way, on the same
// machine, with the same process model as the load generator.
//
//   relog-bench-postgres --conninfo="host=127.0.0.1 port=P user=postgres
//                        dbname=postgres sslmode=disable"
//                        [--clients=1,16,64,256] [--seconds=10]
//                        [--event_bytes=500] [--table=relog_bench_events]
//
// The table is the usual event-store table:
//
//   global_position bigserial primary key, stream_id text, version bigint,
//   event bytea, unique (stream_id, version)
//
// For each client count N, on a freshly created table, N threads run for
// --seconds: each has its own connection and its own stream, a prepared
// INSERT, and appends one --event_bytes event per transaction (BEGIN;
// INSERT; COMMIT — three round trips, as a client that checks the version
// in the transaction would make), with the next version of its stream. The
// version check is the unique constraint: a duplicate (stream, version)
// fails the INSERT, which is what an optimistic-concurrency event store on
// PostgreSQL relies on. Payloads are the store bench's: 1,024 distinct
// incompressible byte strings. The latency of an append is BEGIN to the end
// of COMMIT; durability is the server's (synchronous_commit=on is the
// driver's business, deploy/bench/run_all.sh).
//
// Prints, per client count: events/s, p50/p99/p999 in ms. Exit 1 if the
// server cannot be reached or a statement fails. Release build only (it
// needs libpq); not a test.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/bench/run_threads.h"

ABSL_FLAG(std::string, conninfo,
          "host=127.0.0.1 port=5432 user=postgres dbname=postgres "
          "sslmode=disable",
          "libpq connection string");
ABSL_FLAG(std::string, clients, "1,16,64,256",
          "client counts, comma-separated (one connection each)");
ABSL_FLAG(int, seconds, 10, "duration of each run, in seconds");
ABSL_FLAG(int, event_bytes, 500, "payload bytes per event");
ABSL_FLAG(std::string, table, "relog_bench_events",
          "the table, dropped and created for each run");

namespace relog {
namespace {

constexpr size_t kPayloadPool = 1024;
constexpr char kAppend[] = "append";

// The same payloads as relog-bench-store (MakePayloads there): distinct,
// incompressible, so that neither side's compression is flattered.
std::vector<std::string> MakePayloads(size_t bytes) {
  std::mt19937_64 rng(42);
  std::vector<std::string> payloads(kPayloadPool);
  for (std::string& p : payloads) {
    p.resize(bytes);
    for (char& c : p) c = static_cast<char>(rng());
  }
  return payloads;
}

struct ConnectionCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

// Stops the benchmark: after a failed statement there is nothing to
// measure. The message names what failed and the server's words.
[[noreturn]] void Fail(const std::string& what, PGconn* connection) {
  std::fprintf(stderr, "relog-bench-postgres: %s: %s", what.c_str(),
               connection != nullptr ? PQerrorMessage(connection) : "\n");
  std::exit(1);
}

Connection Connect(const std::string& conninfo) {
  Connection connection(PQconnectdb(conninfo.c_str()));
  if (connection == nullptr || PQstatus(connection.get()) != CONNECTION_OK) {
    Fail(absl::StrCat("cannot connect (", conninfo, ")"), connection.get());
  }
  return connection;
}

// Runs `sql` (no parameters); fails unless it returns `expected`.
void Exec(PGconn* connection, const std::string& sql,
          ExecStatusType expected = PGRES_COMMAND_OK) {
  Result result(PQexec(connection, sql.c_str()));
  if (PQresultStatus(result.get()) != expected) Fail(sql, connection);
}

// One run at `clients` clients on a fresh table. Every connection is made
// and its statement prepared before the clock starts.
bench::RunResult RunClients(const std::string& conninfo,
                            const std::string& table, int clients,
                            absl::Duration run,
                            const std::vector<std::string>& payloads) {
  {
    Connection admin = Connect(conninfo);
    // No NOTICE on stderr for the table that is not there yet.
    Exec(admin.get(), "SET client_min_messages = warning");
    Exec(admin.get(), absl::StrCat("DROP TABLE IF EXISTS ", table));
    Exec(admin.get(),
         absl::StrCat("CREATE TABLE ", table,
                      " (global_position bigserial PRIMARY KEY, "
                      "stream_id text NOT NULL, version bigint NOT NULL, "
                      "event bytea NOT NULL, UNIQUE (stream_id, version))"));
  }
  const std::string insert =
      absl::StrCat("INSERT INTO ", table,
                   " (stream_id, version, event) VALUES ($1, $2, $3)");
  std::vector<Connection> connections;
  for (int c = 0; c < clients; ++c) {
    connections.push_back(Connect(conninfo));
    Result prepared(PQprepare(connections.back().get(), kAppend, insert.c_str(),
                              3, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      Fail("PREPARE", connections.back().get());
    }
  }
  return bench::RunThreads(
      clients, run, [&](int c, const std::atomic<bool>& stop) {
        PGconn* connection = connections[c].get();
        const std::string stream_id = absl::StrCat("bench-", clients, "-", c);
        std::vector<int64_t> out;
        for (int64_t version = 0; !stop.load(std::memory_order_relaxed);
             ++version) {
          const std::string& payload =
              payloads[(c + version) % payloads.size()];
          // Text for the stream and the version, binary for the event.
          const std::string version_text = absl::StrCat(version);
          const char* values[3] = {stream_id.c_str(), version_text.c_str(),
                                   payload.data()};
          const int lengths[3] = {0, 0, static_cast<int>(payload.size())};
          const int formats[3] = {0, 0, 1};
          const absl::Time begin = absl::Now();
          Exec(connection, "BEGIN");
          Result inserted(PQexecPrepared(connection, kAppend, 3, values,
                                         lengths, formats,
                                         /*resultFormat=*/0));
          if (PQresultStatus(inserted.get()) != PGRES_COMMAND_OK) {
            Fail("INSERT", connection);
          }
          Exec(connection, "COMMIT");
          out.push_back(absl::ToInt64Nanoseconds(absl::Now() - begin));
        }
        return out;
      });
}

int Run(const std::string& conninfo, const std::string& table,
        const std::vector<int>& client_counts, absl::Duration run,
        size_t event_bytes) {
  const std::vector<std::string> payloads = MakePayloads(event_bytes);
  {
    Connection probe = Connect(conninfo);
    Result version(PQexec(probe.get(), "SHOW server_version"));
    Result sync(PQexec(probe.get(), "SHOW synchronous_commit"));
    Result fsync(PQexec(probe.get(), "SHOW fsync"));
    if (PQresultStatus(version.get()) != PGRES_TUPLES_OK ||
        PQresultStatus(sync.get()) != PGRES_TUPLES_OK ||
        PQresultStatus(fsync.get()) != PGRES_TUPLES_OK) {
      Fail("SHOW", probe.get());
    }
    absl::PrintF(
        "relog-bench-postgres: PostgreSQL %s, synchronous_commit=%s, "
        "fsync=%s, ssl %s\n",
        PQgetvalue(version.get(), 0, 0), PQgetvalue(sync.get(), 0, 0),
        PQgetvalue(fsync.get(), 0, 0), PQsslInUse(probe.get()) ? "on" : "off");
  }
  absl::PrintF(
      "appends: one %u-byte event per transaction (BEGIN; INSERT; COMMIT), "
      "one stream and one connection per client, %s per run\n",
      event_bytes, absl::FormatDuration(run));
  absl::PrintF("clients   events/s   p50 ms   p99 ms  p999 ms\n");
  std::fflush(stdout);
  for (int clients : client_counts) {
    bench::RunResult result =
        RunClients(conninfo, table, clients, run, payloads);
    absl::PrintF("%7d  %9.0f %8.3f %8.3f %8.3f\n", clients,
                 result.EventsPerSecond(), result.QuantileMs(0.5),
                 result.QuantileMs(0.99), result.QuantileMs(0.999));
    std::fflush(stdout);
  }
  Connection admin = Connect(conninfo);
  Exec(admin.get(), absl::StrCat("DROP TABLE IF EXISTS ", table));
  return 0;
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "appends events to PostgreSQL the usual way; see the file comment");
  absl::ParseCommandLine(argc, argv);
  std::vector<int> clients;
  for (absl::string_view c :
       absl::StrSplit(absl::GetFlag(FLAGS_clients), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(c, &n) || n < 1) {
      std::fprintf(stderr, "--clients: \"%s\" is not a positive number\n",
                   std::string(c).c_str());
      return 2;
    }
    clients.push_back(n);
  }
  return relog::Run(
      absl::GetFlag(FLAGS_conninfo), absl::GetFlag(FLAGS_table), clients,
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_seconds))),
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_event_bytes))));
}
