// A fresh folder under $TMPDIR (or /tmp), removed with its contents at scope
// exit unless RELOG_KEEP_TEST_DIRS is set.
#ifndef RELOG_TESTS_TESTING_TEMP_DIR_H_
#define RELOG_TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include "glog/logging.h"

namespace relog::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/relog-test-XXXXXX";
    CHECK(mkdtemp(pattern.data()) != nullptr) << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    if (std::getenv("RELOG_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_TEMP_DIR_H_
