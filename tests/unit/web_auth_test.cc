#include "web/auth.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(WebAuth, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secre"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(WebAuth, OpenEndpointsNeedNothing) {
  EXPECT_EQ(Authorize(Access::kOpen, "secret", "").status, 200);
  EXPECT_EQ(Authorize(Access::kOpen, "", "").status, 200);
}

TEST(WebAuth, WithATokenEveryRequestNeedsIt) {
  EXPECT_EQ(Authorize(Access::kRead, "secret", "").status, 401);
  EXPECT_EQ(Authorize(Access::kRead, "secret", "Bearer wrong").status, 401);
  EXPECT_EQ(Authorize(Access::kRead, "secret", "Basic c2VjcmV0").status, 401);
  EXPECT_EQ(Authorize(Access::kRead, "secret", "Bearer secret").status, 200);
  EXPECT_EQ(Authorize(Access::kRead, "secret", "bearer  secret").status, 200);
  EXPECT_EQ(Authorize(Access::kMutate, "secret", "Bearer secret").status, 200);
  EXPECT_EQ(Authorize(Access::kMutate, "secret", "Bearer secre").status, 401);
}

TEST(WebAuth, WithoutATokenReadsAreOpenAndMutationsForbidden) {
  EXPECT_EQ(Authorize(Access::kRead, "", "").status, 200);
  AuthDecision d = Authorize(Access::kMutate, "", "Bearer anything");
  EXPECT_EQ(d.status, 403);
  EXPECT_NE(d.detail.find("http_token"), std::string::npos);
}

}  // namespace
}  // namespace ringmaster
