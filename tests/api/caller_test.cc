#include "services/api/caller.h"

#include "gtest/gtest.h"

namespace relog::api {
namespace {

TEST(CallerTest, LoopbackIsALocalAdministratorAndOthersAreUnauthenticated) {
  for (const char* peer :
       {"ipv4:127.0.0.1:5123", "ipv6:[::1]:5123", "unix:/tmp/relog.sock"}) {
    Caller caller = CallerForPeer(peer);
    EXPECT_TRUE(caller.authenticated()) << peer;
    EXPECT_EQ(caller.role, Role::kAdministrator) << peer;
    EXPECT_EQ(caller.readable_classes().size(), 4u);
  }
  for (const char* peer : {"ipv4:10.1.2.3:5123", "ipv6:[2001:db8::1]:443"}) {
    Caller caller = CallerForPeer(peer);
    EXPECT_FALSE(caller.authenticated()) << peer;
    EXPECT_TRUE(caller.readable_classes().empty());
  }
}

}  // namespace
}  // namespace relog::api
