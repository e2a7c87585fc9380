#include "net/http_client.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "net/curl_exchange.h"
#include "net/fetch_engine.h"

namespace leakwatch::crawler {

using detail::conclude;
using detail::CurlDeleter;
using detail::Exchange;
using detail::follow_redirect;
using detail::MultiDeleter;
using detail::prepare;
using detail::SlistDeleter;
using detail::transient;

struct HttpClient::Impl {
  std::unique_ptr<CURL, CurlDeleter> handle{curl_easy_init()};
  std::unique_ptr<CURLM, MultiDeleter> multi{curl_multi_init()};
  std::mt19937_64 jitter{std::random_device{}()};
  FetchEngine* engine = nullptr;
  CpuGate* gate = nullptr;
  std::uint64_t lane = 0;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::HttpClient(FetchEngine& engine, CpuGate* gate) : impl_(std::make_unique<Impl>()) {
  impl_->engine = &engine;
  impl_->gate = gate;
  impl_->lane = engine.new_lane();
}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const HttpRequest& request) {
  return get(request, ChunkSink{});
}

Result<HttpResponse> HttpClient::get(const HttpRequest& request, const ChunkSink& sink) {
  if (impl_->engine) return impl_->engine->fetch(impl_->lane, request, sink, impl_->gate);
  CURL* h = impl_->handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  Exchange x;
  x.request = request;
  x.first_url = request.url;
  while (true) {
    prepare(h, x, sink ? &sink : nullptr);
    const CURLcode rc = curl_easy_perform(h);
    auto result = conclude(h, x, rc);
    if (!result) return result;
    auto next = follow_redirect(x, *result);
    if (!next) return next.error();
    if (!*next) return result;
  }
}

void HttpClient::get_each(const std::vector<HttpRequest>& requests, const Concurrency& concurrency,
                          const ResponseSink& on_done) {
  if (impl_->engine) {
    impl_->engine->fetch_each(impl_->lane, requests, concurrency, on_done, impl_->gate);
    return;
  }
  CURLM* multi = impl_->multi.get();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(concurrency.in_flight));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(concurrency.per_host));

  std::vector<std::size_t> todo(requests.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  for (int attempt = 0; !todo.empty(); ++attempt) {
    if (attempt > 0) {
      // Exponential backoff with jitter before each retry round.
      const auto cap = concurrency.backoff * (1 << std::min(attempt - 1, 6));
      std::uniform_int_distribution<long> pick(cap.count() / 2, cap.count());
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(impl_->jitter)));
    }
    const bool last_attempt = attempt >= concurrency.retries;
    std::vector<std::size_t> retry;
    struct Live {
      std::unique_ptr<CURL, CurlDeleter> handle;
      std::unique_ptr<Exchange> exchange;
      std::size_t index = 0;
    };
    std::map<CURL*, Live> live;
    std::size_t next = 0;
    auto next_start = std::chrono::steady_clock::now();
    auto start_more = [&] {
      // A bounded number of handles queued in curl; curl enforces the connection limits.
      while (next < todo.size() && live.size() < 2 * concurrency.in_flight) {
        if (concurrency.interval.count() > 0) {
          const auto t = std::chrono::steady_clock::now();
          if (t < next_start) return;
          next_start = t + concurrency.interval;
        }
        Live l{std::unique_ptr<CURL, CurlDeleter>(curl_easy_init()), std::make_unique<Exchange>(),
               todo[next++]};
        l.exchange->request = requests[l.index];
        l.exchange->first_url = requests[l.index].url;
        prepare(l.handle.get(), *l.exchange, nullptr);
        curl_multi_add_handle(multi, l.handle.get());
        CURL* key = l.handle.get();
        live.emplace(key, std::move(l));
      }
    };
    start_more();
    while (!live.empty() || next < todo.size()) {
      int still_running = 0;
      curl_multi_perform(multi, &still_running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* h = msg->easy_handle;
        const CURLcode code = msg->data.result;
        auto node = live.extract(h);
        curl_multi_remove_handle(multi, h);
        auto result = conclude(h, *node.mapped().exchange, code);
        if (result) {
          // A redirect: the same exchange goes on to its next hop, on the same handle.
          auto next = follow_redirect(*node.mapped().exchange, *result);
          if (!next) {
            result = next.error();
          } else if (*next) {
            prepare(h, *node.mapped().exchange, nullptr);
            curl_multi_add_handle(multi, h);
            live.insert(std::move(node));
            continue;
          }
        }
        if (!last_attempt && transient(result)) {
          retry.push_back(node.mapped().index);
        } else {
          on_done(node.mapped().index, std::move(result));
        }
      }
      start_more();
      int wait_ms = 100;
      if (next < todo.size() && concurrency.interval.count() > 0) {
        const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
            next_start - std::chrono::steady_clock::now());
        wait_ms = static_cast<int>(std::clamp<long>(until.count(), 1, 100));
      }
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
    todo = std::move(retry);
  }
}

std::vector<Result<HttpResponse>> HttpClient::get_many(const std::vector<HttpRequest>& requests,
                                                       const Concurrency& concurrency) {
  std::vector<std::optional<Result<HttpResponse>>> results(requests.size());
  get_each(requests, concurrency,
           [&](std::size_t i, Result<HttpResponse> r) { results[i] = std::move(r); });
  std::vector<Result<HttpResponse>> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

Result<HttpResponse> HttpClient::post(const HttpPost& request) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  CURL* h = handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  Exchange x;
  x.request.url = request.url;
  x.request.proxy_url = request.proxy_url;
  x.request.limits = request.limits;
  prepare(h, x, nullptr);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "leakwatch");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  x.headers.reset();
  auto add_header = [&](const std::string& line) {
    x.headers.reset(curl_slist_append(x.headers.release(), line.c_str()));
  };
  add_header("Expect:");  // no 100-continue round trip
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, x.headers.get());
  const CURLcode rc = curl_easy_perform(h);
  return conclude(h, x, rc);
}

namespace {

struct MailBody {
  std::string_view rest;
};

std::size_t on_mail_read(char* buffer, std::size_t size, std::size_t nitems, void* user) {
  auto* body = static_cast<MailBody*>(user);
  const std::size_t n = std::min(size * nitems, body->rest.size());
  std::memcpy(buffer, body->rest.data(), n);
  body->rest.remove_prefix(n);
  return n;
}

}  // namespace

Result<void> HttpClient::send_mail(const MailRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  CURL* h = handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never a proxy from the environment
  curl_easy_setopt(h, CURLOPT_NOPROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  // STARTTLS where offered; required when credentials would otherwise cross in the clear.
  const bool credentials = request.url.find('@') != std::string::npos;
  curl_easy_setopt(
      h, CURLOPT_USE_SSL,
      static_cast<long>(request.url.starts_with("smtps://") || credentials ? CURLUSESSL_ALL
                                                                           : CURLUSESSL_TRY));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  const std::string from = "<" + request.from + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  for (const auto& to : request.to) {
    rcpt.reset(curl_slist_append(rcpt.release(), ("<" + to + ">").c_str()));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  MailBody body{request.message};
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_mail_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &body);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Error{request.url.substr(0, request.url.find("://") + 3) +
                 "...: " + (error_buffer[0] ? std::string(error_buffer) : curl_easy_strerror(rc))};
  }
  return {};
}

CurlGlobal::CurlGlobal() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}
CurlGlobal::~CurlGlobal() {
  curl_global_cleanup();
}

}  // namespace leakwatch::crawler
