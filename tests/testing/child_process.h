// A real child process (fork + exec) that tests start, signal and reap.
#ifndef RELOG_TESTS_TESTING_CHILD_PROCESS_H_
#define RELOG_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace relog::testing {

class ChildProcess {
 public:
  // Starts `path` with `args` (argv[1..]); stdout and stderr are inherited.
  ChildProcess(const std::string& path, const std::vector<std::string>& args);
  // SIGKILLs and reaps the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal_number) const;
  // The wait status once the child has exited, or nullopt if it still runs
  // after `timeout`.
  std::optional<int> WaitForExit(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// The contents of `path` once it exists and is not empty, or nullopt after
// `timeout`. For port files, which their writers create by rename.
std::optional<std::string> WaitForFile(const std::string& path,
                                       absl::Duration timeout);

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_CHILD_PROCESS_H_
