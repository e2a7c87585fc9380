// The mail an email hook sends: one plain-text message per alert with a readable summary of
// the sighting and its evidence (RFC 5322; UTF-8 body, RFC 2047 subject when not ASCII).
// Attacker text (file names, locators) never reaches a header unencoded and never starts a
// line of its own in the body. Pure text; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"

namespace leakwatch::alerts {

struct MailEnvelope {
  std::string from;
  std::vector<std::string> to;
};

// The whole message, CRLF line ends, ready for SMTP DATA (dot-stuffing is the transport's).
std::string email_message(const Alert& alert, const MailEnvelope& envelope,
                          std::string_view hostname);
// RFC 2047 B-encoding of a header value when it is not printable ASCII.
std::string mail_header_text(std::string_view value);

}  // namespace leakwatch::alerts
