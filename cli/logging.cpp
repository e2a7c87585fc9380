#include "cli/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "model/time.h"

namespace leakwatch::app {

namespace {

// JSON Lines on stderr: {"time":..., "level":..., "msg":...}; the message is escaped properly.
class JsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    nlohmann::json line{
        {"time", format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time))},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

// Text lines on stderr with every control byte of the message escaped (\xNN): log messages
// carry remote text (URLs, names, server errors), and an ESC sequence or a CR in a file name
// must not rewrite the operator's terminal or forge log lines.
class EscapingTextSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line;
    line.reserve(formatted.size());
    const std::size_t end = formatted.size() && formatted.data()[formatted.size() - 1] == '\n'
                                ? formatted.size() - 1
                                : formatted.size();
    for (std::size_t i = 0; i < end; ++i) {
      const auto c = static_cast<unsigned char>(formatted.data()[i]);
      if (c < 0x20 || c == 0x7F) {
        static constexpr char kHex[] = "0123456789abcdef";
        line += "\\x";
        line += kHex[c >> 4];
        line += kHex[c & 0xF];
      } else {
        line += static_cast<char>(c);
      }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(int verbosity, std::string_view format) {
  std::shared_ptr<spdlog::logger> logger;
  if (format == "json") {
    logger = std::make_shared<spdlog::logger>("leakwatch", std::make_shared<JsonSink>());
  } else {
    logger = std::make_shared<spdlog::logger>("leakwatch", std::make_shared<EscapingTextSink>());
    logger->set_pattern("%^%L%$ %Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  }
  spdlog::level::level_enum level = spdlog::level::info;
  if (verbosity < 0) level = spdlog::level::warn;
  if (verbosity == 1) level = spdlog::level::debug;
  if (verbosity >= 2) level = spdlog::level::trace;
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace leakwatch::app
