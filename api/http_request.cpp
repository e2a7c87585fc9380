// Request heads and queries: pure parsing within limits, no socket (tests/api/http_parse_test.cpp).
#include <algorithm>
#include <cctype>
#include <cstring>

#include "api/http_server.h"

namespace leakwatch::app {

namespace {

std::string json_error_body(std::string_view message) {
  std::string out = "{\"error\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}\n";
}

HttpResponse error_response(int status, std::string_view message) {
  return HttpResponse{.status = status, .body = json_error_body(message)};
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_tchar(char c) {
  // RFC 9110 5.6.2 token characters.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return Error{"truncated %-escape"};
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return Error{"bad %-escape"};
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return Error{"%00 is not allowed"};
      out += decoded;
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::variant<HttpRequest, HttpResponse> parse_request_head(std::string_view head,
                                                           const HttpServerLimits& limits) {
  HttpRequest req;
  if (head.size() > limits.max_head_bytes) {
    return error_response(
        431, "request head larger than " + std::to_string(limits.max_head_bytes) + " bytes");
  }
  // Every line ends in CRLF and the head in an empty line; a bare LF is not a line end.
  if (!head.ends_with("\r\n\r\n")) {
    return error_response(400, "request head must be CRLF lines ending in an empty line");
  }
  auto line_end = head.find("\r\n");
  const auto request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return error_response(400, "malformed request line");
  }
  req.method = std::string(request_line.substr(0, sp1));
  req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  const auto version = request_line.substr(sp2 + 1);
  if (req.method.empty() || !std::all_of(req.method.begin(), req.method.end(), is_tchar)) {
    return error_response(400, "malformed method");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return version.starts_with("HTTP/") ? error_response(505, "only HTTP/1.1 and HTTP/1.0")
                                        : error_response(400, "malformed request line");
  }
  if (req.target.empty() || req.target[0] != '/' ||
      !std::all_of(req.target.begin(), req.target.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; })) {
    return error_response(400, "request target must be an absolute path of visible ASCII");
  }
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);

  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    line_end = head.find("\r\n", pos);
    const auto line = head.substr(pos, line_end - pos);
    pos = line_end + 2;
    if (line.empty()) break;
    if (req.headers.size() >= limits.max_headers) {
      return error_response(431, "more than " + std::to_string(limits.max_headers) + " headers");
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), is_tchar)) {
      // Also refuses obsolete line folding (a line starting with whitespace).
      return error_response(400, "malformed header line");
    }
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return c == '\0' || c == '\r' || c == '\n'; })) {
      return error_response(400, "malformed header value");
    }
    req.headers.emplace_back(ascii_lower(line.substr(0, colon)), std::string(value));
  }
  if (req.header("transfer-encoding")) {
    return error_response(413, "request bodies are not accepted (read-only API)");
  }
  if (const auto length = req.header("content-length"); length && *length != "0") {
    return error_response(413, "request bodies are not accepted (read-only API)");
  }
  return req;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query,
                                                                     std::size_t max_params) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    if (out.size() >= max_params) {
      return Error{"more than " + std::to_string(max_params) + " query parameters"};
    }
    const auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!name) return Error{"query parameter name: " + name.error().message};
    if (!value) return Error{"query parameter '" + *name + "': " + value.error().message};
    if (name->empty()) return Error{"query parameter without a name"};
    out.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return out;
}

}  // namespace leakwatch::app
