#include "core/http_request.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

HeadResult Parse(const std::string& text, HttpLimitsIn limits = {}) { return ParseRequestHead(text, limits); }

TEST(HttpRequest, ParsesAGetWithQueryAndHeaders) {
  HeadResult r = Parse(
      "GET /api/watchers/web%20app/stop?waiting=true&nb=2&x=a+b HTTP/1.1\r\n"
      "Host: localhost\r\nAuthorization:  Bearer t  \r\nX-Dup: 1\r\nx-dup: 2\r\n\r\nrest");
  ASSERT_EQ(r.kind, HeadResult::kComplete) << r.reason;
  const HttpRequest& q = r.request;
  EXPECT_EQ(q.method, "GET");
  EXPECT_EQ(q.path, "/api/watchers/web app/stop");
  EXPECT_EQ(q.query.find("waiting")->second, "true");
  EXPECT_EQ(q.query.find("nb")->second, "2");
  EXPECT_EQ(q.query.find("x")->second, "a b");
  EXPECT_EQ(q.Header("authorization"), "Bearer t");
  EXPECT_EQ(q.headers.count("x-dup"), 2u);
  EXPECT_TRUE(q.keep_alive);
  EXPECT_EQ(std::string("GET /api/watchers/web%20app/stop?waiting=true&nb=2&x=a+b HTTP/1.1\r\n"
                        "Host: localhost\r\nAuthorization:  Bearer t  \r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n")
                .size(),
            r.head_bytes);
}

TEST(HttpRequest, IncompleteUntilTheEmptyLine) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n").kind, HeadResult::kIncomplete);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r").kind, HeadResult::kIncomplete);
  EXPECT_EQ(Parse("").kind, HeadResult::kIncomplete);
  // Empty lines before the request line are skipped (RFC 9112 §2.2).
  EXPECT_EQ(Parse("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").kind, HeadResult::kComplete);
}

TEST(HttpRequest, KeepAliveFollowsVersionAndConnection) {
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, keep-alive\r\n\r\n").request.keep_alive);
}

TEST(HttpRequest, ContentLength) {
  HeadResult r = Parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
  ASSERT_EQ(r.kind, HeadResult::kComplete);
  EXPECT_EQ(r.request.content_length, 12u);
  EXPECT_EQ(Parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n").kind,
            HeadResult::kComplete);
}

struct Refused {
  const char* text;
  int status;
};

TEST(HttpRequest, RefusesWhatIsAmbiguousOrUnsupported) {
  const Refused cases[] = {
      {"GET / HTTP/1.1\nHost: x\n\n", 400},                                   // bare LF
      {"GET / HTTP/1.1\r\nHost: x\n\r\n\r\n", 400},                           // LF inside
      {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},                            // two spaces
      {"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400},                            // trailing space
      {"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},                             // bad method
      {"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},                     // absolute-form
      {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505},
      {"GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n\r\n", 400},                                        // no Host
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},                            // space before colon
      {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},                  // obs-fold
      {"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n", 400},                  // control byte
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413},
      {"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /%0 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /?a=%g1 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  };
  for (const Refused& c : cases) {
    HeadResult r = Parse(c.text);
    EXPECT_EQ(r.kind, HeadResult::kError) << c.text;
    EXPECT_EQ(r.status, c.status) << c.text << " -> " << r.reason;
    if (r.kind == HeadResult::kError) {
      EXPECT_FALSE(r.reason.empty());
    }
  }
  // A NUL or a bare LF is refused before the head is complete.
  EXPECT_EQ(Parse(std::string("GET / HTTP/1.1\r\nX: a\0b", 23)).kind, HeadResult::kError);
  EXPECT_EQ(Parse("GET / HTTP/1.1\nHost").kind, HeadResult::kError);
}

TEST(HttpRequest, HeadSizeCap) {
  HttpLimitsIn small;
  small.max_head = 64;
  std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(100, 'a');
  HeadResult r = Parse(big, small);  // still incomplete, but already too long
  EXPECT_EQ(r.kind, HeadResult::kError);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(Parse(big + "\r\n\r\n", small).status, 431);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", small).kind, HeadResult::kComplete);
}

TEST(HttpRequest, PercentDecode) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%2Fb+c", false, &out));
  EXPECT_EQ(out, "a/b+c");
  EXPECT_TRUE(PercentDecode("a%2fb+c", true, &out));
  EXPECT_EQ(out, "a/b c");
  EXPECT_FALSE(PercentDecode("%", false, &out));
  EXPECT_FALSE(PercentDecode("%4", false, &out));
  EXPECT_FALSE(PercentDecode("%4g", false, &out));
}

}  // namespace
}  // namespace ringmaster
