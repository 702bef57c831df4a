#include "tests/testing/child_mode.h"

#include <unistd.h>

#include <cstdio>
#include <map>

#include "glog/logging.h"

namespace relog::testing {
namespace {

// Filled by static initializers before main; read-only afterwards.
std::map<std::string, ChildMain>& Registry() {
  static auto* registry = new std::map<std::string, ChildMain>();
  return *registry;
}

}  // namespace

bool RegisterChildMode(const char* name, ChildMain main) {
  return Registry().emplace(name, main).second;
}

int RunChildMode(const std::string& name, int argc, char** argv) {
  auto it = Registry().find(name);
  if (it == Registry().end()) {
    std::fprintf(stderr, "unknown child mode %s\n", name.c_str());
    return 2;
  }
  return it->second(argc, argv);
}

std::string SelfExecutable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  CHECK_GT(n, 0) << "readlink /proc/self/exe";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace relog::testing
