// The main of every test executable. A test may register a child mode: the
// crash tests re-execute this binary with `--child=NAME ...` to get a real
// process they can SIGKILL.
#include <cstring>
#include <string>

#include "glog/logging.h"
#include "gtest/gtest.h"
#include "tests/testing/child_mode.h"

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  if (argc >= 2 && std::strncmp(argv[1], "--child=", 8) == 0) {
    return relog::testing::RunChildMode(argv[1] + 8, argc - 2, argv + 2);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
