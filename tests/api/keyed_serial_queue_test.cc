#include "services/api/keyed_serial_queue.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/api/executor.h"

namespace relog::api {
namespace {

TEST(KeyedSerialQueueTest, TasksOfOneKeyRunOneAtATimeInArrivalOrder) {
  auto executor = std::make_unique<Executor>(4);
  KeyedSerialQueue queue(executor.get());
  absl::Mutex mu;
  std::vector<int> order;
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  constexpr int kTasks = 200;
  absl::BlockingCounter finished(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(queue.Submit("case-1", [&, i](KeyedSerialQueue::Done done) {
      if (running.fetch_add(1) != 0) overlaps.fetch_add(1);
      {
        absl::MutexLock lock(&mu);
        order.push_back(i);
      }
      running.fetch_sub(1);
      done();
      finished.DecrementCount();
    }));
  }
  finished.Wait();
  // As in relogd: the executor (its threads joined) goes before the queue
  // its tasks call back into.
  executor.reset();
  EXPECT_EQ(overlaps.load(), 0);
  std::vector<int> expected(kTasks);
  for (int i = 0; i < kTasks; ++i) expected[i] = i;
  absl::MutexLock lock(&mu);
  EXPECT_EQ(order, expected);
}

// A task ends when it calls `done`, possibly later on another thread (as
// after an append): the key's next task waits for it, other keys do not.
TEST(KeyedSerialQueueTest, NextTaskWaitsForDoneWhileOtherKeysRun) {
  auto executor = std::make_unique<Executor>(2);
  KeyedSerialQueue queue(executor.get());
  KeyedSerialQueue::Done first_done;
  absl::Notification first_started, second_ran, other_ran;
  ASSERT_TRUE(queue.Submit("a", [&](KeyedSerialQueue::Done done) {
    first_done = std::move(done);
    first_started.Notify();
  }));
  ASSERT_TRUE(queue.Submit("a", [&](KeyedSerialQueue::Done done) {
    second_ran.Notify();
    done();
  }));
  ASSERT_TRUE(queue.Submit("b", [&](KeyedSerialQueue::Done done) {
    done();  // before the notification: "b" has left the queue by then
    other_ran.Notify();
  }));
  first_started.WaitForNotification();
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(
      second_ran.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  EXPECT_EQ(queue.active_keys(), 1u);
  first_done();
  EXPECT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  executor.reset();
  EXPECT_EQ(queue.active_keys(), 0u);
}

}  // namespace
}  // namespace relog::api
