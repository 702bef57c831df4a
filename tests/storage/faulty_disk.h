// A store folder on a fault-injecting file system, for the durability and
// failure tests.
#ifndef RELOG_TESTS_STORAGE_FAULTY_DISK_H_
#define RELOG_TESTS_STORAGE_FAULTY_DISK_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/storage/store_test_util.h"

namespace relog::testing {

// The fault-injecting file system and the RocksDB environment over it. The
// environment must outlive every store opened on it.
struct FaultyDisk {
  std::shared_ptr<FaultInjectionFs> fs;
  std::unique_ptr<rocksdb::Env> env;
};

// Creates the store at `path` on the real file system and closes it, so
// that the fault file system tracks only the files written afterwards; then
// returns the disk to reopen it on (with OnEnv(disk.env.get())).
inline FaultyDisk PrepareFaultyDisk(const std::string& path) {
  EXPECT_NE(OpenStoreOrDie(path), nullptr);
  FaultyDisk disk;
  disk.fs = std::make_shared<FaultInjectionFs>();
  disk.env = rocksdb::NewCompositeEnv(disk.fs);
  return disk;
}

}  // namespace relog::testing

#endif  // RELOG_TESTS_STORAGE_FAULTY_DISK_H_
