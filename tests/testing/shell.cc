#include "tests/testing/shell.h"

#include <stdio.h>

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"

namespace relog::testing {

std::string RunShell(const std::string& command, bool with_stderr) {
  const std::string line =
      command + (with_stderr ? " 2>&1" : " 2>/dev/null") + "; echo exit=$?";
  FILE* pipe = popen(line.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << line;
  if (pipe == nullptr) return "";
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  pclose(pipe);
  return output;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

}  // namespace relog::testing
