#include "api/render.h"

#include <gtest/gtest.h>

#include <string>

namespace synergy::api {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(AppendJsonString, EscapesAsTheRendererDoes) {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
  for (std::string text : {std::string(), std::string("s-0f3a"), std::string("synergy-s1"),
                           std::string(R"(a "quoted" \ back\slash)"), std::string("line\nbreak\ttab\r"),
                           every_control, std::string("\x7f del"), std::string("caf\xc3\xa9 \xe2\x82\xac"),
                           std::string("\xf0\x9f\x8c\xb1 seedling")}) {
    EXPECT_EQ(Quoted(text), RenderJson(nlohmann::json(text))) << text;
  }
  EXPECT_EQ(Quoted("\x01"), R"("\u0001")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
}

TEST(AppendJsonString, Appends) {
  std::string out = "{\"id\":";
  AppendJsonString(out, "x");
  EXPECT_EQ(out, R"({"id":"x")");
}

}  // namespace
}  // namespace synergy::api
