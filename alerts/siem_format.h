// The SIEM payloads of an alert: RFC 5424 syslog messages (with structured data escaped per
// RFC 5424 6.3.3), RFC 6587 octet-counted framing, CEF and LEEF 2.0. A leak site's file name is
// attacker text: every escape here exists so that no such text can break a field, a header or
// a frame. Pure text; no I/O.
#pragma once

#include <string>
#include <string_view>

#include "alerts/alert.h"

namespace leakwatch::alerts {

enum class SyslogPayload { rfc5424_json, cef, leef };

// RFC 5424 6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash.
std::string sd_param_escape(std::string_view value);
// CEF header fields: '\' and '|' escaped with a backslash; CR and LF (not allowed) as spaces.
std::string cef_header_escape(std::string_view value);
// CEF extension values: '\', '=' escaped with a backslash, CR as "\r", LF as "\n".
std::string cef_extension_escape(std::string_view value);
// LEEF header fields: '\' and '|' escaped with a backslash; CR and LF as spaces.
std::string leef_header_escape(std::string_view value);
// LEEF 2.0 attribute values (tab delimiter): '\' as "\\", tab as "\t", CR as "\r", LF as "\n".
std::string leef_value_escape(std::string_view value);

// CEF:0|leakwatch|leakwatch|<version>|<event>|<title>|<severity>|<extensions>
std::string cef_message(const Alert& alert, std::string_view version);
// LEEF:2.0|leakwatch|leakwatch|<version>|<event>|x09|<attributes, tab separated>
std::string leef_message(const Alert& alert, std::string_view version);

struct SyslogHeader {
  std::string hostname = "-";  // printable US-ASCII, at most 255 (RFC 5424 6.2.4)
  std::string procid = "-";
  int facility = 10;  // security/authorization (RFC 5424 table 1)
};
// <PRI>1 TIMESTAMP HOSTNAME leakwatch PROCID sighting [leakwatch@32473 id=".." ...] MSG
// The MSG is the alert JSON, CEF or LEEF; no BOM.
std::string syslog_message(const Alert& alert, SyslogPayload payload, const SyslogHeader& header,
                           std::string_view version);
// RFC 6587 3.4.1: "<octet count> <message>".
std::string octet_frame(std::string_view message);

}  // namespace leakwatch::alerts
