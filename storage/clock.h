// The source of "now". Components take a Clock so that tests can set time.
#ifndef RELOG_STORAGE_CLOCK_H_
#define RELOG_STORAGE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace relog {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's wall clock. Stateless, so sharing one instance is safe.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static const Clock* Get() {
    static const RealClock* const kClock = new RealClock();
    return kClock;
  }
};

}  // namespace relog

#endif  // RELOG_STORAGE_CLOCK_H_
