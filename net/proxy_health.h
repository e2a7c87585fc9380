// Proxy health: can a TCP connection to the proxy itself be opened? Used to pick a working
// member of a proxy pool before a source is scanned. Only the proxy's own address is looked up
// here, never a target's; a source whose proxies are all down fails, it never goes direct.
#pragma once

#include <chrono>

#include "model/result.h"
#include "model/url.h"

namespace leakwatch::crawler {

Result<void> check_proxy_reachable(const Url& proxy, std::chrono::milliseconds timeout);

}  // namespace leakwatch::crawler
