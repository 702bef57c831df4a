#include "services/audit/checkpoint_writer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "services/audit/atomic_file.h"
#include "storage/errors.h"

namespace relog::audit {
namespace {

constexpr char kPrefix[] = "checkpoint-";
constexpr char kSuffix[] = ".txt";

std::string FileName(const Checkpoint& checkpoint) {
  return absl::StrCat(kPrefix, absl::StrFormat("%020d", checkpoint.position),
                      "-",
                      absl::FormatTime("%Y%m%dT%H%M%E6SZ", checkpoint.signed_at,
                                       absl::UTCTimeZone()),
                      kSuffix);
}

// The position in a checkpoint file's name, or 0.
uint64_t PositionOfName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kPrefix) || !absl::EndsWith(name, kSuffix) ||
      name.size() < 20) {
    return 0;
  }
  uint64_t position = 0;
  return absl::SimpleAtoi(name.substr(0, 20), &position) ? position : 0;
}

}  // namespace

std::vector<std::string> ListCheckpointFiles(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (PositionOfName(name) > 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  for (const std::string& name : names) paths.push_back(dir + "/" + name);
  return paths;
}

CheckpointWriter::CheckpointWriter(const EventStore* store,
                                   const SigningKey* key, const Clock* clock,
                                   CheckpointWriterOptions options)
    : store_(store), key_(key), clock_(clock), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  // The period runs from the newest checkpoint kept, not from this start:
  // a relogd restarted more often than the interval still signs its
  // newest history (at once if the head moved since, or no file is
  // readable).
  last_written_at_ = absl::InfinitePast();
  const std::vector<std::string> files = ListCheckpointFiles(options_.dir);
  for (const std::string& path : files) {
    last_position_ = std::max(
        last_position_,
        PositionOfName(std::filesystem::path(path).filename().string()));
  }
  if (!files.empty()) {
    std::ifstream in(files.back(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    if (absl::StatusOr<Checkpoint> newest = ParseCheckpointFile(text);
        newest.ok()) {
      last_written_at_ = newest->signed_at;
    }
  }
}

CheckpointWriter::~CheckpointWriter() { Stop(); }

absl::StatusOr<WrittenCheckpoint> CheckpointWriter::WriteNow() {
  absl::MutexLock lock(&mu_);
  return WriteLocked();
}

absl::StatusOr<WrittenCheckpoint> CheckpointWriter::WriteLocked() {
  absl::StatusOr<Checkpoint> checkpoint =
      SignCheckpoint(store_->GetLogHead(), clock_->Now(), *key_);
  if (!checkpoint.ok()) return checkpoint.status();
  std::error_code error;
  std::filesystem::create_directories(options_.dir, error);
  if (error) {
    return MakeError(absl::StatusCode::kInternal, kReasonCheckpointWriteFailed,
                     absl::StrCat("cannot create the checkpoint folder ",
                                  options_.dir, ": ", error.message()));
  }
  WrittenCheckpoint written;
  written.checkpoint = *std::move(checkpoint);
  written.text = FormatCheckpointFile(written.checkpoint);
  written.path = absl::StrCat(options_.dir, "/", FileName(written.checkpoint));
  if (absl::Status status = WriteFileAtomically(
          written.path, written.text, 0644, kReasonCheckpointWriteFailed);
      !status.ok()) {
    return status;
  }
  last_position_ = written.checkpoint.position;
  last_written_at_ = written.checkpoint.signed_at;
  return written;
}

absl::StatusOr<bool> CheckpointWriter::WriteIfDue() {
  absl::MutexLock lock(&mu_);
  if (options_.interval <= absl::ZeroDuration() ||
      clock_->Now() < last_written_at_ + options_.interval) {
    return false;
  }
  const uint64_t head = store_->GetLogHead().position;
  if (head == 0 || head == last_position_) return false;
  absl::StatusOr<WrittenCheckpoint> written = WriteLocked();
  if (!written.ok()) return written.status();
  return true;
}

absl::StatusOr<bool> CheckpointWriter::WriteAtShutdown() {
  Stop();
  absl::MutexLock lock(&mu_);
  const uint64_t head = store_->GetLogHead().position;
  if (head == 0 || head == last_position_) return false;
  absl::StatusOr<WrittenCheckpoint> written = WriteLocked();
  if (!written.ok()) return written.status();
  return true;
}

void CheckpointWriter::Start() {
  if (options_.interval <= absl::ZeroDuration() || thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void CheckpointWriter::Stop() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

uint64_t CheckpointWriter::last_position() const {
  absl::MutexLock lock(&mu_);
  return last_position_;
}

void CheckpointWriter::Run() {
  const absl::Duration poll = std::min(options_.poll, options_.interval);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), poll)) return;
    }
    absl::StatusOr<bool> wrote = WriteIfDue();
    // A failed periodic write is retried at the next poll; the boundary
    // (here) logs it.
    if (!wrote.ok()) LOG(ERROR) << "periodic checkpoint: " << wrote.status();
  }
}

}  // namespace relog::audit
