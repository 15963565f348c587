#include "api/serial_worker.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace synergy::api {
namespace {

TEST(SerialWorker, RunsTasksInTheOrderGivenOnAThreadOfItsOwn) {
  std::vector<int> order;
  std::mutex mu;
  std::promise<std::thread::id> ran_on;
  {
    SerialWorker worker("test-worker");
    worker.Run([&] { ran_on.set_value(std::this_thread::get_id()); });
    for (int i = 0; i < 100; ++i) {
      worker.Run([&, i] {
        std::lock_guard lock(mu);
        order.push_back(i);
      });
    }
  }
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(SerialWorker, TheDestructorFinishesTasksGivenWhileOneRuns) {
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  int finished = 0;
  std::thread releaser;
  {
    SerialWorker worker("test-worker");
    worker.Run([&] {
      started.set_value();
      released.wait();
      ++finished;
    });
    started.get_future().wait();
    worker.Run([&] { ++finished; });
    worker.Run([&] { ++finished; });
    releaser = std::thread([&] { release.set_value(); });
  }  // waits for all three
  releaser.join();
  EXPECT_EQ(finished, 3);
}

}  // namespace
}  // namespace synergy::api
