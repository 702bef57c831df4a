// relogctl admin backup end to end: a real relogd under load (relogctl demo
// in the background and a thread identifying households one at a time),
// an online backup taken mid-load (the head moves during the call), then
// the restore: the backup copied into a new folder, the source folder
// deleted, a second relogd started on the copy. The backup must hold every
// event acknowledged before it began, be a gap-free prefix of the source log
// ending at the position and hash it reported, byte for byte, and verify.
// Then the refusals: a relative path, a folder in use, an unauthenticated
// caller.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/admin.grpc.pb.h"
#include "relog/v1/case_service.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "services/api/admin_service.h"
#include "services/api/caller_interceptor.h"
#include "services/api/executor.h"
#include "services/api/status_conversion.h"
#include "storage/sha256.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::RelogdProcess;
using ::relog::testing::RunShell;
using ::relog::testing::TempDir;
using ::testing::HasSubstr;

std::string Relogctl(const std::string& server, const std::string& args,
                     bool with_stderr = true) {
  return RunShell(absl::StrCat(RELOGCTL_PATH, " --server=", server, " ", args),
                  with_stderr);
}

// The JSON printed before "exit=N".
std::string JsonOf(const std::string& output) {
  return output.substr(0, output.rfind("\nexit="));
}

// A household identification with a unique reference and dwelling.
std::string Identify(int i) {
  return absl::StrCat(
      "--json identify --occurred_at=2020-03-02 --reference=BK-", i,
      " --operation_id=OP-LIL-CONCORDE-1 --building_id=BAT-A "
      "--origin.facts.landlord_id=999000029 --commune_insee=59350 "
      "--quartier_code=QP059001 --typology=t3 --surface_m2=64 --floor=2 "
      "--financing=plus --rent=380.50 --charges=60 "
      "--occupancy=titular_tenant --register_id=RPLS-BK-",
      i);
}

relog::v1::LogHead GetHead(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = relog::v1::LogService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  relog::v1::LogHead head;
  grpc::Status status = stub->GetLogHead(&context, {}, &head);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return head;
}

void Stop(RelogdProcess& relogd) {
  relogd.process().Signal(SIGTERM);
  std::optional<int> status = relogd.process().WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(status.has_value()) << "relogd did not stop within 60 s";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

// The log records as stored, position by position.
std::vector<std::pair<uint64_t, std::string>> StoredRecords(
    const std::string& data_dir, uint64_t up_to) {
  auto store = testing::OpenStoreOrDie(data_dir);
  std::vector<std::pair<uint64_t, std::string>> records;
  absl::StatusOr<uint64_t> scanned = store->ScanLogRecords(
      1, UINT64_MAX, [&](uint64_t position, absl::string_view record) {
        if (position > up_to) return false;
        records.emplace_back(position, std::string(record));
        return true;
      });
  EXPECT_TRUE(scanned.ok()) << scanned.status();
  return records;
}

TEST(BackupTest, OnlineBackupUnderLoadRestoresAVerifiedPrefixOfTheLog) {
  TempDir dir;
  const std::string backup_dir = dir.Sub("backups/one");
  uint64_t reported_position = 0;
  std::string reported_hash;
  uint64_t acknowledged_max = 0;  // before the backup began
  int identified = -1;            // a household identified before it
  std::vector<uint64_t> acknowledged;
  {
    RelogdProcess source(RELOGD_PATH, RELOG_SOURCE_DIR, dir.Sub("data"), dir);
    ASSERT_FALSE(source.address().empty()) << "relogd did not start";
    const std::string server = source.address();

    // Load 1: the demo, in the background (killed at the end by its pid).
    const std::string demo_pid = dir.Sub("demo.pid");
    ASSERT_THAT(
        RunShell(absl::StrCat(
            RELOGCTL_PATH, " --server=", server,
            " demo --households=400 --seed=11 --in_flight=16 --reference_dir=",
            RELOG_SOURCE_DIR, "/deploy/reference/mel > ", dir.Sub("demo.out"),
            " 2>&1 & echo $! > ", demo_pid)),
        HasSubstr("exit=0"));

    // Load 2: one identification at a time, each acknowledged position
    // recorded with the moment it was acknowledged.
    absl::Mutex mu;
    std::vector<uint64_t> positions;  // guarded by mu
    std::atomic<int> first_identified{-1};
    std::atomic<bool> stop{false};
    std::thread identifier([&] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string out = Relogctl(server, Identify(i), false);
        if (out.find("exit=0") == std::string::npos) continue;
        relog::v1::CaseCommandResponse response;
        if (!google::protobuf::util::JsonStringToMessage(JsonOf(out), &response)
                 .ok()) {
          continue;
        }
        if (first_identified.load() < 0) first_identified = i;
        absl::MutexLock lock(&mu);
        positions.push_back(response.position());
      }
    });
    auto acknowledged_count = [&] {
      absl::MutexLock lock(&mu);
      return positions.size();
    };

    // Let the load build up some log.
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while ((GetHead(source.channel()).position() < 300 ||
            acknowledged_count() < 3) &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    {
      absl::MutexLock lock(&mu);
      acknowledged = positions;
    }
    identified = first_identified.load();
    // Everything committed now was acknowledged (the head is published
    // after the sync) or is about to be: all of it must be in the backup.
    acknowledged_max = GetHead(source.channel()).position();
    ASSERT_GE(acknowledged_max, 300u) << "the load did not build up";

    // The load runs while the backup is taken: the head moves during the
    // call.
    const uint64_t head_before_call = GetHead(source.channel()).position();
    const std::string out =
        Relogctl(server, "--json admin backup " + backup_dir, false);
    const uint64_t head_after_call = GetHead(source.channel()).position();
    EXPECT_GT(head_after_call, head_before_call)
        << "nothing was written while the backup was taken";
    ASSERT_THAT(out, HasSubstr("exit=0")) << out;
    relog::v1::BackupResponse response;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(JsonOf(out), &response)
            .ok())
        << out;
    EXPECT_EQ(response.dir(), backup_dir);
    reported_position = response.head().position();
    reported_hash = response.head().global_hash();
    EXPECT_EQ(reported_hash.size(), kHashSize);

    // The load goes on past the backup.
    const size_t count_at_backup = acknowledged_count();
    const absl::Time after = absl::Now() + absl::Seconds(60);
    while (acknowledged_count() < count_at_backup + 3 && absl::Now() < after) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    stop = true;
    identifier.join();
    const std::string pid = testing::ReadFileOrEmpty(demo_pid);
    int demo = 0;
    ASSERT_TRUE(absl::SimpleAtoi(pid.substr(0, pid.find('\n')), &demo)) << pid;
    ::kill(demo, SIGTERM);
    EXPECT_GT(GetHead(source.channel()).position(), reported_position)
        << "the log did not move on while the backup was taken";
    // The text output shows the same head.
    std::string text = Relogctl(server, "admin backup " + dir.Sub("two"));
    EXPECT_THAT(text, HasSubstr("position      ")) << text;
    EXPECT_THAT(text, HasSubstr("global hash   ")) << text;
    Stop(source);
  }

  // Every event acknowledged before the backup began is in it.
  EXPECT_GE(reported_position, acknowledged_max);
  ASSERT_FALSE(acknowledged.empty());
  for (uint64_t position : acknowledged) {
    EXPECT_LE(position, reported_position);
  }

  // Restore: the backup copied into a new folder (the backup itself may
  // share files with the source by hard links), the source gone; a relogd
  // started on the copy serves it, at the reported head, and its chains
  // verify.
  const auto source_records = StoredRecords(dir.Sub("data"), UINT64_MAX);
  const std::string restored_dir = dir.Sub("restored");
  std::filesystem::copy(backup_dir, restored_dir,
                        std::filesystem::copy_options::recursive);
  std::map<std::string, std::string> source_secrets;
  for (const char* name :
       {"natural-key.secret", "keys/checkpoint-ed25519.pem"}) {
    source_secrets[name] = testing::ReadFileOrEmpty(dir.Sub("data/") + name);
  }
  std::filesystem::remove_all(dir.Sub("data"));
  {
    RelogdProcess restored(RELOGD_PATH, RELOG_SOURCE_DIR, restored_dir, dir);
    ASSERT_FALSE(restored.address().empty()) << "relogd did not start";
    const relog::v1::LogHead head = GetHead(restored.channel());
    EXPECT_EQ(head.position(), reported_position);
    EXPECT_EQ(head.global_hash(), reported_hash);
    const std::string verify =
        Relogctl(restored.address(), "--json log verify");
    EXPECT_THAT(verify, HasSubstr("\"problem\":\"PROBLEM_NONE\"")) << verify;
    EXPECT_THAT(verify, HasSubstr(absl::StrCat("\"eventsChecked\":\"",
                                               reported_position, "\"")))
        << verify;
    EXPECT_THAT(verify, HasSubstr("exit=0"));
    // The projections came along: a household identified before the
    // backup is found by its reference.
    ASSERT_GE(identified, 0);
    const std::string reference = absl::StrCat("BK-", identified);
    EXPECT_THAT(
        Relogctl(restored.address(), "case get --reference=" + reference),
        HasSubstr("IDENTIFIED"));
    Stop(restored);
  }

  // The secrets a restore needs came along, private.
  for (const char* name :
       {"natural-key.secret", "keys/checkpoint-ed25519.pem"}) {
    const std::string copy = backup_dir + "/" + name;
    EXPECT_EQ(testing::ReadFileOrEmpty(copy), source_secrets[name]) << name;
    EXPECT_FALSE(testing::ReadFileOrEmpty(copy).empty()) << name;
    EXPECT_EQ(std::filesystem::status(copy).permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms::owner_read |
                  std::filesystem::perms::owner_write)
        << name;
  }

  // A gap-free prefix of the source log, byte for byte, nothing beyond, in
  // the backup and in the restored copy.
  const auto backup_records = StoredRecords(backup_dir, UINT64_MAX);
  EXPECT_TRUE(StoredRecords(restored_dir, UINT64_MAX) == backup_records);
  ASSERT_EQ(backup_records.size(), reported_position);
  ASSERT_GT(source_records.size(), backup_records.size());
  for (size_t i = 0; i < backup_records.size(); ++i) {
    ASSERT_EQ(backup_records[i].first, i + 1) << "a gap in the backup";
    ASSERT_EQ(backup_records[i].first, source_records[i].first);
    ASSERT_EQ(backup_records[i].second, source_records[i].second)
        << "position " << i + 1 << " differs";
  }
  // The last record's global hash is the one reported.
  const std::string& last = backup_records.back().second;
  EXPECT_EQ(last.substr(last.size() - kHashSize), reported_hash);
}

TEST(BackupTest, RefusesARelativePathAndAFolderInUse) {
  TempDir dir;
  RelogdProcess relogd(RELOGD_PATH, RELOG_SOURCE_DIR, dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty()) << "relogd did not start";
  const std::string server = relogd.address();

  std::string relative = Relogctl(server, "admin backup backups/x");
  EXPECT_THAT(relative, HasSubstr("INVALID_ARGUMENT")) << relative;
  EXPECT_THAT(relative, HasSubstr("[reason INVALID_BACKUP_DIR, field dir]"));
  EXPECT_THAT(relative, HasSubstr("exit=1"));

  // A folder with something in it: refused, and left as it was.
  std::filesystem::create_directories(dir.Sub("full"));
  std::ofstream(dir.Sub("full/keep.txt")) << "mine";
  std::string full = Relogctl(server, "admin backup " + dir.Sub("full"));
  EXPECT_THAT(full, HasSubstr("FAILED_PRECONDITION")) << full;
  EXPECT_THAT(full, HasSubstr("[reason BACKUP_DIR_NOT_EMPTY, field dir]"));
  EXPECT_THAT(full, HasSubstr("exit=1"));
  EXPECT_EQ(testing::ReadFileOrEmpty(dir.Sub("full/keep.txt")), "mine");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.Sub("full")),
                          std::filesystem::directory_iterator()),
            1);
  // So is a file, and the data folder of relogd itself.
  std::string file =
      Relogctl(server, "admin backup " + dir.Sub("full/keep.txt"));
  EXPECT_THAT(file, HasSubstr("BACKUP_DIR_NOT_EMPTY")) << file;
  std::string own = Relogctl(server, "admin backup " + dir.Sub("data"));
  EXPECT_THAT(own, HasSubstr("BACKUP_DIR_NOT_EMPTY")) << own;

  // An empty folder is fine (a trailing slash too).
  std::filesystem::create_directories(dir.Sub("empty"));
  std::string empty =
      Relogctl(server, "admin backup " + dir.Sub("empty") + "/");
  EXPECT_THAT(empty, HasSubstr("backup        " + dir.Sub("empty") + "\n"))
      << empty;
  EXPECT_THAT(empty, HasSubstr("position      1\n")) << empty;
  EXPECT_THAT(empty, HasSubstr("exit=0"));
  // Taken twice into the same folder: the second is refused.
  EXPECT_THAT(Relogctl(server, "admin backup " + dir.Sub("empty")),
              HasSubstr("BACKUP_DIR_NOT_EMPTY"));

  EXPECT_THAT(Relogctl(server, "admin backup"), HasSubstr("exit=2"));
  EXPECT_THAT(Relogctl(server, "admin nonsense /x"), HasSubstr("exit=2"));
}

// Without the caller interceptor every caller is unauthenticated
// (CallerRegistry::Get): the backup is refused before anything is written.
TEST(BackupTest, RefusesAnUnauthenticatedCaller) {
  TempDir dir;
  auto store = testing::OpenStoreOrDie(dir.Sub("data"));
  api::Executor executor(1);
  api::CallerRegistry callers;
  api::AdminService service(store.get(), &executor, &callers);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = relog::v1::Admin::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  relog::v1::BackupRequest request;
  request.set_dir(dir.Sub("backup"));
  relog::v1::BackupResponse response;
  grpc::Status status = stub->Backup(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(api::ReadErrorDetails(status).reason, "UNAUTHENTICATED");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("backup")));
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

}  // namespace
}  // namespace relog
