#include "core/log_line.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(LogLineTest, PlainHasTheStampAndTheLevelName) {
  EXPECT_EQ(FormatLogLine(LogFormat::kPlain, LogLevel::kWarning, "2024-01-02 03:04:05.678", "hi"),
            "2024-01-02 03:04:05.678 [WARNING] hi\n");
}

TEST(LogLineTest, JournalHasThePriorityAndNoStamp) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kInfo, "ignored", "started"),
            "<6>started\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kDebug, "", "d"), "<7>d\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kWarning, "", "w"), "<4>w\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kError, "", "e"), "<3>e\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kCritical, "", "c"), "<2>c\n");
}

TEST(LogLineTest, JournalPrefixesEveryLineOfAMultiLineMessage) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kError, "", "a\nb"), "<3>a\n<3>b\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kError, "", "a\n"), "<3>a\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJournal, LogLevel::kInfo, "", ""), "<6>\n");
}

TEST(LogLineTest, SyslogPriorities) {
  EXPECT_EQ(SyslogPriority(LogLevel::kDebug), 7);
  EXPECT_EQ(SyslogPriority(LogLevel::kInfo), 6);
  EXPECT_EQ(SyslogPriority(LogLevel::kWarning), 4);
  EXPECT_EQ(SyslogPriority(LogLevel::kError), 3);
  EXPECT_EQ(SyslogPriority(LogLevel::kCritical), 2);
}

TEST(LogLineTest, JournalStreamMatchesDeviceAndInode) {
  EXPECT_TRUE(JournalStreamMatches("8:1234", 8, 1234));
  EXPECT_FALSE(JournalStreamMatches("8:1234", 8, 1235));
  EXPECT_FALSE(JournalStreamMatches("9:1234", 8, 1234));
  EXPECT_TRUE(JournalStreamMatches("18446744073709551615:1", 18446744073709551615ull, 1));
  for (const char* bad : {"", ":", "8:", ":1234", "8", "8:12x", "x:1", "8:1234:5", " 8:1234",
                          "-8:1234"}) {
    EXPECT_FALSE(JournalStreamMatches(bad, 8, 1234)) << bad;
  }
}

}  // namespace
}  // namespace ringmaster
