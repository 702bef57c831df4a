#include "services/api/admin_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "services/api/api_errors.h"
#include "services/api/status_conversion.h"
#include "storage/errors.h"

namespace relog::api {
namespace {

namespace v1 = ::relog::v1;
namespace fs = std::filesystem;

constexpr char kInvalidBackupDir[] = "INVALID_BACKUP_DIR";
constexpr char kBackupDirNotEmpty[] = "BACKUP_DIR_NOT_EMPTY";

grpc::Status ShuttingDown() { return ToGrpcStatus(ShuttingDownError()); }

void ToProto(const LogHead& head, v1::LogHead* out) {
  out->set_position(head.position);
  out->set_global_hash(head.global_hash);
  if (head.position > 0) {
    const int64_t micros = absl::ToUnixMicros(head.recorded_at);
    out->mutable_recorded_at()->set_seconds(micros / 1000000);
    out->mutable_recorded_at()->set_nanos(
        static_cast<int32_t>(micros % 1000000) * 1000);
  }
}

// `dir` without "." or ".." steps or a trailing "/" (RocksDB names its
// staging folder DIR.tmp, which must be a sibling of DIR, not a child).
// INVALID_ARGUMENT unless absolute.
absl::StatusOr<std::string> NormalizeDir(const std::string& dir) {
  if (dir.empty() || dir[0] != '/') {
    return MakeError(absl::StatusCode::kInvalidArgument, kInvalidBackupDir,
                     absl::StrCat("dir must be an absolute path on relogd's "
                                  "machine, not \"",
                                  dir, "\""),
                     {{meta::kField, "dir"}});
  }
  std::string normal = fs::path(dir).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

// Makes `dir` ready for the copy: refuses anything there but an empty
// folder (which it removes, since the copy is renamed into place), and
// creates the missing parents.
absl::Status PrepareDir(const std::string& dir) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(dir, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status) || !fs::is_empty(dir, error) || error) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition, kBackupDirNotEmpty,
          absl::StrCat("dir ", dir,
                       " exists and is not an empty folder; nothing written"),
          {{meta::kField, "dir"}});
    }
    fs::remove(dir, error);
  } else {
    fs::create_directories(fs::path(dir).parent_path(), error);
  }
  if (error) {
    return MakeError(absl::StatusCode::kInternal, reason::kStorageError,
                     absl::StrCat("preparing the backup folder ", dir, ": ",
                                  error.message()));
  }
  return absl::OkStatus();
}

// Copies `from` to `to` (creating its folder), mode 0600, synced: these
// are secrets, and the backup is only complete once they are on disk.
absl::Status CopySecret(const std::string& from, const std::string& to) {
  auto failed = [&](absl::string_view what) {
    return MakeError(absl::StatusCode::kInternal, reason::kStorageError,
                     absl::StrCat("copying ", from, " into the backup (", what,
                                  "): ", std::strerror(errno)));
  };
  std::error_code error;
  fs::create_directories(fs::path(to).parent_path(), error);
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return failed("open");
  const int out =
      ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return failed("create");
  }
  char buffer[8192];
  ssize_t n = 0;
  bool ok = true;
  while (ok && (n = ::read(in, buffer, sizeof(buffer))) > 0) {
    ok = ::write(out, buffer, static_cast<size_t>(n)) == n;
  }
  ok = ok && n == 0 && ::fsync(out) == 0;
  ::close(in);
  if (::close(out) != 0) ok = false;
  if (!ok) return failed("write");
  const int folder =
      ::open(fs::path(to).parent_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (folder >= 0) {
    ::fsync(folder);
    ::close(folder);
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::Backup(
    grpc::CallbackServerContext* context, const v1::BackupRequest* request,
    v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A copy of the whole database, personal data included.
  if (!callers_->Get(context).authenticated()) {
    reactor->Finish(ToGrpcStatus(UnauthenticatedError()));
    return reactor;
  }
  absl::StatusOr<std::string> dir = NormalizeDir(request->dir());
  if (!dir.ok()) {
    reactor->Finish(ToGrpcStatus(dir.status()));
    return reactor;
  }
  const bool queued = executor_->Submit(
      [this, context, reactor, response, dir = *std::move(dir)] {
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        absl::Status prepared = PrepareDir(dir);
        if (!prepared.ok()) {
          reactor->Finish(ToGrpcStatus(prepared));
          return;
        }
        absl::StatusOr<LogHead> head = store_->CreateBackup(dir);
        if (!head.ok()) {
          LOG(WARNING) << "backup into " << dir << " failed: " << head.status();
          reactor->Finish(ToGrpcStatus(head.status()));
          return;
        }
        for (const BackupFile& file : files_) {
          std::error_code error;
          if (!fs::exists(file.path, error)) continue;
          absl::Status copied = CopySecret(file.path, dir + "/" + file.name);
          if (!copied.ok()) {
            LOG(WARNING) << "backup into " << dir << " incomplete: " << copied;
            reactor->Finish(ToGrpcStatus(copied));
            return;
          }
        }
        LOG(INFO) << "backup written into " << dir << " at position "
                  << head->position;
        response->set_dir(dir);
        ToProto(*head, response->mutable_head());
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued) reactor->Finish(ShuttingDown());
  return reactor;
}

}  // namespace relog::api
