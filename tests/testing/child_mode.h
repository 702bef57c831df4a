// Child modes: code a test runs in a separate process (this same binary,
// re-executed with --child=NAME), so that it can be killed for real.
#ifndef RELOG_TESTS_TESTING_CHILD_MODE_H_
#define RELOG_TESTS_TESTING_CHILD_MODE_H_

#include <functional>
#include <string>

namespace relog::testing {

using ChildMain = int (*)(int argc, char** argv);

// Registers `main` under `name`; use from a static initializer:
//   static const bool kRegistered = RegisterChildMode("name", &Main);
bool RegisterChildMode(const char* name, ChildMain main);

// Runs the child mode `name` with the arguments after --child=NAME.
int RunChildMode(const std::string& name, int argc, char** argv);

// The path of this executable, to re-execute it.
std::string SelfExecutable();

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_CHILD_MODE_H_
