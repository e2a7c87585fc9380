// Framed store values: zstd frames of JSON text, and the plain text older schemas stored.
#include "store/value_frame.h"

#include <gtest/gtest.h>

#include <iterator>
#include <string>

namespace leakwatch::store {
namespace {

std::string read_all(FrameStream& s) {
  return std::string((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
}

std::string sample_text(int entries) {
  std::string text = "{\"entries\":[";
  for (int i = 0; i < entries; ++i) {
    if (i > 0) text += ',';
    text += "{\"path\":\"d" + std::to_string(i % 40) + "/file_" + std::to_string(i) + ".jpg\"}";
  }
  return text + "]}";
}

TEST(ValueFrame, TextWrittenInPiecesReadsBackWhole) {
  const auto text = sample_text(50000);  // more than one 64 KiB buffer either way
  FrameWriter writer;
  for (std::size_t at = 0; at < text.size(); at += 1000) writer.write(text.substr(at, 1000));
  const auto frame = writer.finish();
  EXPECT_TRUE(is_frame(frame));
  EXPECT_LT(frame.size() * 5, text.size()) << "a listing's text compresses well";
  FrameStream stream(frame);
  EXPECT_EQ(read_all(stream), text);
  EXPECT_EQ(stream.error(), "");
  EXPECT_EQ(*text_of(frame, "value"), text);
  EXPECT_EQ(*text_of(frame_of(""), "empty"), "");
}

TEST(ValueFrame, PlainTextFromOlderSchemasReadsAsItIs) {
  const std::string text = R"({"source":"a","entries":[]})";
  EXPECT_FALSE(is_frame(text));
  FrameStream stream(text);
  EXPECT_EQ(read_all(stream), text);
  EXPECT_EQ(*text_of(text, "value"), text);
}

TEST(ValueFrame, ADamagedOrCutFrameIsAnErrorNotGarbage) {
  const auto text = sample_text(2000);
  auto frame = frame_of(text);
  const auto cut = frame.substr(0, frame.size() / 2);
  const auto cut_text = text_of(cut, "manifest of x");
  ASSERT_FALSE(cut_text);
  EXPECT_NE(cut_text.error().message.find("manifest of x"), std::string::npos);
  FrameStream cut_stream(cut);
  const auto partial = read_all(cut_stream);
  EXPECT_LT(partial.size(), text.size());
  EXPECT_NE(cut_stream.error(), "");

  const std::string trailing = frame + "{}";  // a stream views its value: keep it alive
  FrameStream trailing_stream(trailing);
  EXPECT_EQ(read_all(trailing_stream), text);
  EXPECT_EQ(trailing_stream.error(), "bytes after the end of the frame");
  EXPECT_FALSE(text_of(frame + frame, "two frames"));

  frame[frame.size() / 2] = static_cast<char>(frame[frame.size() / 2] ^ 0x5a);
  frame[frame.size() / 2 + 1] = static_cast<char>(frame[frame.size() / 2 + 1] ^ 0xa5);
  const auto damaged = text_of(frame, "manifest of y");
  ASSERT_FALSE(damaged) << "the frame's checksum catches a flipped byte";
  EXPECT_NE(damaged.error().message.find("manifest of y"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch::store
