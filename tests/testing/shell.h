// Running a command line in end-to-end tests: what relogctl or a verifier
// prints and how it exits, in one string the tests match against.
#ifndef RELOG_TESTS_TESTING_SHELL_H_
#define RELOG_TESTS_TESTING_SHELL_H_

#include <string>

namespace relog::testing {

// Runs `command` through /bin/sh and returns its stdout (and its stderr
// unless `with_stderr` is false), followed by "exit=N". A test failure if
// the shell cannot start.
std::string RunShell(const std::string& command, bool with_stderr = true);

// The bytes of `path`; "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_SHELL_H_
