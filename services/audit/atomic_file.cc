#include "services/audit/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/errors.h"

namespace relog::audit {
namespace {

absl::Status IoError(absl::string_view reason, absl::string_view what,
                     const std::string& path, int error) {
  return MakeError(absl::StatusCode::kInternal, reason,
                   absl::StrCat(what, " ", path, ": ", strerror(error)));
}

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode,
                                 absl::string_view reason) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  // A temporary file left by a crash is stale: start afresh.
  unlink(tmp.c_str());
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return IoError(reason, "cannot create", tmp, errno);
  // The umask may have narrowed `mode`; never widen it, but make it exact.
  if (fchmod(fd, mode) != 0) {
    const int error = errno;
    close(fd);
    unlink(tmp.c_str());
    return IoError(reason, "cannot chmod", tmp, error);
  }
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n =
        write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      unlink(tmp.c_str());
      return IoError(reason, "cannot write", tmp, error);
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    const int error = errno;
    close(fd);
    unlink(tmp.c_str());
    return IoError(reason, "cannot sync", tmp, error);
  }
  if (close(fd) != 0) {
    const int error = errno;
    unlink(tmp.c_str());
    return IoError(reason, "cannot close", tmp, error);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(tmp.c_str());
    return IoError(reason, "cannot rename to", path, error);
  }
  const std::string folder = Folder(path);
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return IoError(reason, "cannot open folder", folder, errno);
  const int synced = fsync(dir);
  const int error = errno;
  close(dir);
  if (synced != 0) return IoError(reason, "cannot sync folder", folder, error);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          absl::string_view reason) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return MakeError(absl::StatusCode::kNotFound, reason,
                       absl::StrCat("no file ", path));
    }
    return IoError(reason, "cannot open", path, errno);
  }
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return IoError(reason, "cannot read", path, error);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace relog::audit
