#include "cluster/jetstream.h"

#include <nats/nats.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <fstream>
#include <sstream>
#include <thread>

namespace leakwatch::cluster {

namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kNsPerMs = 1'000'000;  // JetStream durations are nanoseconds
constexpr std::int64_t kDuplicateWindowNs = std::int64_t{120'000} * kNsPerMs;
constexpr std::int64_t kHeartbeatMaxAgeNs = std::int64_t{7 * 24 * 3600} * 1'000 * kNsPerMs;
constexpr std::int64_t kApiWaitMs = 5'000;

std::string status_text(natsStatus s, jsErrCode code = static_cast<jsErrCode>(0)) {
  std::string out = natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last && *last && out != last) {
    out += std::string(" (") + last + ")";
  }
  if (code != 0) out += " [JetStream error " + std::to_string(static_cast<int>(code)) + "]";
  return out;
}

// Over a leader election (about 5 s after SIGKILL of the leader's server) the JetStream API
// answers "no responders" (JetStream error 10076, "not enabled") or times out; the cluster may
// report itself unavailable (10008). All are worth the same request again.
bool transient(natsStatus s, jsErrCode code) {
  return s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT || s == NATS_CONNECTION_DISCONNECTED ||
         s == NATS_IO_ERROR || code == JSClusterNotAvailErr || code == JSNotEnabledErr;
}

std::string escape_token(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '.') {
      out += "%2E";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> read_secret_file(const std::filesystem::path& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{"cluster: cannot read " + std::string(what) + " " + file.string()};
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return Error{"cluster: " + std::string(what) + " " + file.string() + " is empty"};
  return s;
}

// NKeys (github.com/nats-io/nkeys): base32 (RFC 4648, no padding) of prefix bytes, the key and a
// CRC-16/XMODEM in little-endian order. libnats signs with the seed file but wants the public
// key too, so it is derived here from the seed (Ed25519).
std::uint16_t crc16_xmodem(const std::uint8_t* data, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= static_cast<std::uint16_t>(data[i]) << 8;
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto pos = kBase32.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return out;
}

std::string base32_encode(const std::vector<std::uint8_t>& data) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const auto byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

// What a failed connect means for the operator, in the words of [cluster]: the server refused
// the credentials, does not trust the client certificate, or is not trusted itself.
std::string connect_failure_reason(const config::ClusterConfig& cluster, natsStatus s,
                                   const std::string& detail, bool tls) {
  std::string credentials = "no credentials (none of credentials_file, user, nkey_seed_file)";
  if (!cluster.credentials_file.empty()) {
    credentials = "credentials_file " + cluster.credentials_file.string();
  } else if (!cluster.user.empty()) {
    credentials =
        "user '" + cluster.user + "' with password_file " + cluster.password_file.string();
  } else if (!cluster.nkey_seed_file.empty()) {
    credentials = "nkey_seed_file " + cluster.nkey_seed_file.string();
  } else if (!cluster.cert_file.empty()) {
    credentials = "the TLS client certificate cert_file " + cluster.cert_file.string();
  }
  if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) {
    return "the server refused the credentials of [cluster]: " + credentials;
  }
  if (s == NATS_SSL_ERROR) {
    if (detail.find("certificate verify failed") != std::string::npos ||
        detail.find("unable to get local issuer") != std::string::npos ||
        detail.find("self-signed") != std::string::npos ||
        detail.find("self signed") != std::string::npos ||
        detail.find("hostname mismatch") != std::string::npos) {
      return cluster.ca_file.empty()
                 ? "the server's TLS certificate is not trusted by the system's trust store (set "
                   "[cluster] ca_file to the CA that signed it)"
                 : "the server's TLS certificate is not trusted by [cluster] ca_file " +
                       cluster.ca_file.string() + " or does not name the server's host";
    }
    return "the TLS handshake with the server failed";
  }
  // With TLS 1.3 a server that rejects the client's certificate closes the connection after the
  // handshake, so the client only sees the connection end before the first PONG.
  if (tls && s == NATS_PROTOCOL_ERROR) {
    return cluster.cert_file.empty()
               ? "the server closed the connection after the TLS handshake: it wants a TLS "
                 "client certificate ([cluster] cert_file and key_file), and none is configured"
               : "the server closed the connection after the TLS handshake: it does not accept "
                 "the client certificate cert_file " +
                     cluster.cert_file.string() + " (not signed by a CA it trusts?)";
  }
  if (s == NATS_NO_SERVER) return "no server answered";
  return "the connection failed";
}

}  // namespace

Result<std::string> nkey_public_from_seed(std::string_view seed) {
  const auto raw = base32_decode(seed);
  if (!raw || raw->size() != 36) return Error{"not an nkey seed (expected 58 base32 characters)"};
  const std::uint16_t crc = crc16_xmodem(raw->data(), 34);
  if ((*raw)[34] != (crc & 0xff) || (*raw)[35] != (crc >> 8)) {
    return Error{"nkey seed checksum does not match"};
  }
  if (((*raw)[0] & 0xf8) != (18 << 3)) return Error{"not an nkey seed (it must start with S)"};
  const auto prefix = static_cast<std::uint8_t>((((*raw)[0] & 7) << 5) | (((*raw)[1] & 0xf8) >> 3));
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw->data() + 2, 32), EVP_PKEY_free);
  std::array<std::uint8_t, 32> pub{};
  std::size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32) {
    return Error{"nkey seed is not an Ed25519 key"};
  }
  std::vector<std::uint8_t> out{prefix};
  out.insert(out.end(), pub.begin(), pub.end());
  const std::uint16_t pcrc = crc16_xmodem(out.data(), out.size());
  out.push_back(static_cast<std::uint8_t>(pcrc & 0xff));
  out.push_back(static_cast<std::uint8_t>(pcrc >> 8));
  return base32_encode(out);
}

ClusterNames ClusterNames::for_prefix(const std::string& prefix) {
  return ClusterNames{.prefix = prefix,
                      .jobs_stream = prefix + "_jobs",
                      .results_stream = prefix + "_results",
                      .heartbeats_stream = prefix + "_heartbeats",
                      .workers_consumer = prefix + "_workers",
                      .coordinator_consumer = prefix + "_coordinator"};
}

std::string ClusterNames::job_subject(std::string_view source) const {
  return prefix + ".jobs." + escape_token(source);
}
std::string ClusterNames::result_subject(std::string_view source) const {
  return prefix + ".results." + escape_token(source);
}
std::string ClusterNames::heartbeat_subject(std::string_view worker) const {
  return prefix + ".heartbeats." + escape_token(worker);
}
std::string ClusterNames::state_subject() const {
  return prefix + ".state.coordinator";
}
std::optional<std::string> ClusterNames::source_of_job_subject(std::string_view subject) const {
  const std::string head = prefix + ".jobs.";
  if (!subject.starts_with(head)) return std::nullopt;
  std::string out(subject.substr(head.size()));
  for (std::size_t at = out.find("%2E"); at != std::string::npos; at = out.find("%2E", at)) {
    out.replace(at, 3, ".");
  }
  return out;
}

// ---- Delivery

struct Delivery::Impl {
  natsMsg* msg = nullptr;
  ~Impl() {
    if (msg) natsMsg_Destroy(msg);
  }
};

Delivery::Delivery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Delivery::~Delivery() = default;
Delivery::Delivery(Delivery&&) noexcept = default;
Delivery& Delivery::operator=(Delivery&&) noexcept = default;

std::string_view Delivery::data() const {
  return {natsMsg_GetData(impl_->msg), static_cast<std::size_t>(natsMsg_GetDataLength(impl_->msg))};
}

std::optional<std::string> Delivery::header(const char* key) const {
  const char* value = nullptr;
  if (natsMsgHeader_Get(impl_->msg, key, &value) != NATS_OK || !value) return std::nullopt;
  return std::string(value);
}

std::string Delivery::subject() const {
  return natsMsg_GetSubject(impl_->msg);
}

std::uint64_t Delivery::times_delivered() const {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, impl_->msg) != NATS_OK || !meta) return 1;
  const auto n = meta->NumDelivered;
  jsMsgMetaData_Destroy(meta);
  return n;
}

Result<void> Delivery::ack() {
  jsErrCode code = static_cast<jsErrCode>(0);
  if (const auto s = natsMsg_AckSync(impl_->msg, nullptr, &code); s != NATS_OK) {
    return Error{"ack: " + status_text(s, code)};
  }
  return {};
}

Result<void> Delivery::in_progress() {
  if (const auto s = natsMsg_InProgress(impl_->msg, nullptr); s != NATS_OK) {
    return Error{"in-progress ack: " + status_text(s)};
  }
  return {};
}

Result<void> Delivery::nak(milliseconds delay) {
  if (const auto s = natsMsg_NakWithDelay(impl_->msg, delay.count(), nullptr); s != NATS_OK) {
    return Error{"nak: " + status_text(s)};
  }
  return {};
}

Result<void> Delivery::term() {
  if (const auto s = natsMsg_Term(impl_->msg, nullptr); s != NATS_OK) {
    return Error{"term: " + status_text(s)};
  }
  return {};
}

// ---- PullConsumer

struct PullConsumer::Impl {
  natsSubscription* sub = nullptr;
  ~Impl() {
    if (sub) natsSubscription_Destroy(sub);
  }
};

PullConsumer::PullConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PullConsumer::~PullConsumer() = default;

Result<std::vector<Delivery>> PullConsumer::fetch(int batch, milliseconds wait) {
  natsMsgList list{};
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto s = natsSubscription_Fetch(&list, impl_->sub, batch, wait.count(), &code);
  std::vector<Delivery> out;
  for (int i = 0; i < list.Count; ++i) {
    auto impl = std::make_unique<Delivery::Impl>();
    impl->msg = list.Msgs[i];
    list.Msgs[i] = nullptr;
    out.emplace_back(std::move(impl));
  }
  natsMsgList_Destroy(&list);
  if (s == NATS_OK || s == NATS_TIMEOUT || !out.empty()) return out;
  return Error{"fetch: " + status_text(s, code)};
}

// ---- JetStream

struct JetStream::Impl {
  config::ClusterConfig cluster;
  ClusterNames names;
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  ~Impl() {
    if (js) jsCtx_Destroy(js);
    if (connection) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options) natsOptions_Destroy(options);
  }
};

JetStream::JetStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JetStream::~JetStream() = default;

const ClusterNames& JetStream::names() const {
  return impl_->names;
}

std::size_t JetStream::max_payload() const {
  return static_cast<std::size_t>(natsConnection_GetMaxPayload(impl_->connection));
}

Result<std::unique_ptr<JetStream>> JetStream::connect(const config::ClusterConfig& cluster,
                                                      const std::string& client_name) {
  auto impl = std::make_unique<Impl>();
  impl->cluster = cluster;
  impl->names = ClusterNames::for_prefix(cluster.name);
  const auto fail = [](const std::string& what, natsStatus s) {
    return Error{"cluster: " + what + ": " + status_text(s)};
  };
  if (auto s = natsOptions_Create(&impl->options); s != NATS_OK) return fail("options", s);
  natsOptions* o = impl->options;
  std::vector<const char*> urls;
  for (const auto& url : cluster.servers) urls.push_back(url.c_str());
  if (auto s = natsOptions_SetServers(o, urls.data(), static_cast<int>(urls.size()));
      s != NATS_OK) {
    return fail("servers", s);
  }
  natsOptions_SetName(o, client_name.c_str());
  natsOptions_SetTimeout(o, 5'000);
  natsOptions_SetMaxReconnect(o, -1);  // a worker or coordinator outlives any one server
  natsOptions_SetReconnectWait(o, 500);
  natsOptions_SetReconnectBufSize(o, 64 << 20);
  std::string password;
  if (!cluster.credentials_file.empty()) {
    if (auto s =
            natsOptions_SetUserCredentialsFromFiles(o, cluster.credentials_file.c_str(), nullptr);
        s != NATS_OK) {
      return fail("credentials_file " + cluster.credentials_file.string(), s);
    }
  } else if (!cluster.user.empty()) {
    auto read = read_secret_file(cluster.password_file, "password_file");
    if (!read) return read.error();
    password = std::move(read).value();
    if (auto s = natsOptions_SetUserInfo(o, cluster.user.c_str(), password.c_str()); s != NATS_OK) {
      return fail("user", s);
    }
  } else if (!cluster.nkey_seed_file.empty()) {
    auto seed = read_secret_file(cluster.nkey_seed_file, "nkey_seed_file");
    if (!seed) return seed.error();
    auto pub = nkey_public_from_seed(*seed);
    if (!pub)
      return Error{"cluster: nkey_seed_file " + cluster.nkey_seed_file.string() + ": " +
                   pub.error().message};
    if (auto s = natsOptions_SetNKeyFromSeed(o, pub->c_str(), cluster.nkey_seed_file.c_str());
        s != NATS_OK) {
      return fail("nkey_seed_file " + cluster.nkey_seed_file.string(), s);
    }
  }
  bool tls = !cluster.ca_file.empty() || !cluster.cert_file.empty();
  for (const auto& url : cluster.servers) tls |= url.starts_with("tls://");
  if (tls) {
    if (auto s = natsOptions_SetSecure(o, true); s != NATS_OK) return fail("TLS", s);
    if (!cluster.ca_file.empty()) {
      if (auto s = natsOptions_LoadCATrustedCertificates(o, cluster.ca_file.c_str());
          s != NATS_OK) {
        return fail("ca_file " + cluster.ca_file.string(), s);
      }
    }
    if (!cluster.cert_file.empty()) {
      if (auto s = natsOptions_LoadCertificatesChain(o, cluster.cert_file.c_str(),
                                                     cluster.key_file.c_str());
          s != NATS_OK) {
        return fail("cert_file/key_file " + cluster.cert_file.string(), s);
      }
    }
  }
  std::string list;
  for (const auto& url : cluster.servers) list += (list.empty() ? "" : ",") + url;
  if (auto s = natsConnection_Connect(&impl->connection, o); s != NATS_OK) {
    const std::string detail = status_text(s);
    return Error{"cluster: cannot connect to " + list + ": " +
                 connect_failure_reason(cluster, s, detail, tls) + " (" + detail + ")"};
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = kApiWaitMs;
  if (auto s = natsConnection_JetStream(&impl->js, impl->connection, &jo); s != NATS_OK) {
    return fail("JetStream", s);
  }
  spdlog::info("cluster connected servers={} name={} max_payload={}", list, cluster.name,
               natsConnection_GetMaxPayload(impl->connection));
  return std::make_unique<JetStream>(std::move(impl));
}

namespace {

// Creates a stream, or updates it to `cfg` when it exists; retried over an election.
Result<void> ensure_stream(jsCtx* js, jsStreamConfig& cfg) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (true) {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    auto s = js_GetStreamInfo(&info, js, cfg.Name, nullptr, &code);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(info);
      info = nullptr;
      s = js_UpdateStream(&info, js, &cfg, nullptr, &code);
    } else if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
      code = static_cast<jsErrCode>(0);
      s = js_AddStream(&info, js, &cfg, nullptr, &code);
    }
    if (info) jsStreamInfo_Destroy(info);
    if (s == NATS_OK) return {};
    if (!transient(s, code) || std::chrono::steady_clock::now() > deadline) {
      return Error{"cluster: stream " + std::string(cfg.Name) + ": " + status_text(s, code)};
    }
    std::this_thread::sleep_for(milliseconds{250});
  }
}

Result<void> ensure_consumer(jsCtx* js, const char* stream, jsConsumerConfig& cfg) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (true) {
    jsConsumerInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    auto s = js_AddConsumer(&info, js, stream, &cfg, nullptr, &code);
    if (s != NATS_OK && !transient(s, code)) {
      // It exists with other settings (a changed ack_wait): update it in place.
      code = static_cast<jsErrCode>(0);
      s = js_UpdateConsumer(&info, js, stream, &cfg, nullptr, &code);
    }
    if (info) jsConsumerInfo_Destroy(info);
    if (s == NATS_OK) return {};
    if (!transient(s, code) || std::chrono::steady_clock::now() > deadline) {
      return Error{"cluster: consumer " + std::string(cfg.Durable) + " on " + stream + ": " +
                   status_text(s, code)};
    }
    std::this_thread::sleep_for(milliseconds{250});
  }
}

}  // namespace

Result<void> JetStream::ensure_streams() {
  const auto& n = impl_->names;
  const auto replicas = static_cast<std::int64_t>(impl_->cluster.replicas);
  const auto make = [&](const std::string& name, jsRetentionPolicy retention) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name.c_str();
    cfg.Retention = retention;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = replicas;
    cfg.Duplicates = kDuplicateWindowNs;
    return cfg;
  };
  const std::string jobs_subject = n.prefix + ".jobs.>";
  const std::string results_subject = n.prefix + ".results.>";
  const std::string heartbeats_subject = n.prefix + ".heartbeats.>";
  const std::string state_subject = n.prefix + ".state.>";
  {
    auto cfg = make(n.jobs_stream, js_WorkQueuePolicy);
    const char* subjects[] = {jobs_subject.c_str()};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    if (auto r = ensure_stream(impl_->js, cfg); !r) return r;
  }
  {
    auto cfg = make(n.results_stream, js_WorkQueuePolicy);
    const char* subjects[] = {results_subject.c_str()};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    if (auto r = ensure_stream(impl_->js, cfg); !r) return r;
  }
  {
    auto cfg = make(n.heartbeats_stream, js_LimitsPolicy);
    const char* subjects[] = {heartbeats_subject.c_str(), state_subject.c_str()};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 2;
    cfg.MaxMsgsPerSubject = 1;  // the last heartbeat of each worker, the coordinator's last state
    cfg.MaxAge = kHeartbeatMaxAgeNs;
    if (auto r = ensure_stream(impl_->js, cfg); !r) return r;
  }
  const std::int64_t ack_wait_ns = impl_->cluster.ack_wait.count() * kNsPerMs;
  {
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = n.workers_consumer.c_str();
    cfg.AckPolicy = js_AckExplicit;
    cfg.AckWait = ack_wait_ns;
    cfg.MaxDeliver = -1;  // a job is never dropped; a poisoned one is terminated by the worker
    cfg.MaxAckPending = 100'000;
    if (auto r = ensure_consumer(impl_->js, n.jobs_stream.c_str(), cfg); !r) return r;
  }
  {
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = n.coordinator_consumer.c_str();
    cfg.AckPolicy = js_AckExplicit;
    // The coordinator holds a result's chunks until the last one arrives, then records.
    cfg.AckWait = std::max<std::int64_t>(ack_wait_ns, std::int64_t{60'000} * kNsPerMs);
    cfg.MaxDeliver = -1;
    cfg.MaxAckPending = 100'000;
    if (auto r = ensure_consumer(impl_->js, n.results_stream.c_str(), cfg); !r) return r;
  }
  return {};
}

Result<std::uint64_t> JetStream::publish(const std::string& subject, std::string_view data,
                                         const std::string& msg_id,
                                         const std::vector<Header>& headers,
                                         milliseconds give_up_after) {
  const auto deadline = std::chrono::steady_clock::now() + give_up_after;
  auto wait = milliseconds{100};
  while (true) {
    natsMsg* msg = nullptr;
    if (auto s = natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(),
                                static_cast<int>(data.size()));
        s != NATS_OK) {
      return Error{"cluster: publish to " + subject + ": " + status_text(s)};
    }
    for (const auto& h : headers) natsMsgHeader_Set(msg, h.key.c_str(), h.value.c_str());
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id.c_str();
    po.MaxWait = kApiWaitMs;
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const auto s = js_PublishMsg(&ack, impl_->js, msg, &po, &code);
    natsMsg_Destroy(msg);
    const std::uint64_t seq = ack ? ack->Sequence : 0;
    if (ack) jsPubAck_Destroy(ack);
    if (s == NATS_OK) return seq;
    if (!transient(s, code) || std::chrono::steady_clock::now() + wait > deadline) {
      return Error{"cluster: publish to " + subject + " (id " + msg_id +
                   "): " + status_text(s, code)};
    }
    spdlog::debug("cluster publish retry subject={} id={} error={}", subject, msg_id,
                  status_text(s, code));
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, milliseconds{2'000});
  }
}

Result<std::unique_ptr<PullConsumer>> JetStream::pull(const std::string& stream,
                                                      const std::string& consumer) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Consumer = consumer.c_str();
  auto impl = std::make_unique<PullConsumer::Impl>();
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (true) {
    const auto s =
        js_PullSubscribe(&impl->sub, impl_->js, nullptr, consumer.c_str(), nullptr, &so, &code);
    if (s == NATS_OK) return std::make_unique<PullConsumer>(std::move(impl));
    if (!transient(s, code) || std::chrono::steady_clock::now() > deadline) {
      return Error{"cluster: consumer " + consumer + " on " + stream + ": " + status_text(s, code)};
    }
    std::this_thread::sleep_for(milliseconds{250});
  }
}

Result<ConsumerCounts> JetStream::consumer_counts(const std::string& stream,
                                                  const std::string& consumer) {
  jsConsumerInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  if (auto s =
          js_GetConsumerInfo(&info, impl_->js, stream.c_str(), consumer.c_str(), nullptr, &code);
      s != NATS_OK) {
    return Error{"cluster: consumer " + consumer + " on " + stream + ": " + status_text(s, code)};
  }
  ConsumerCounts out{.pending = info->NumPending,
                     .in_flight = static_cast<std::uint64_t>(info->NumAckPending),
                     .redelivered = static_cast<std::uint64_t>(info->NumRedelivered)};
  jsConsumerInfo_Destroy(info);
  return out;
}

Result<std::vector<std::string>> JetStream::subjects_with_messages(const std::string& stream,
                                                                   const std::string& filter) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = kApiWaitMs;
  jo.Stream.Info.SubjectsFilter = filter.c_str();
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  if (auto s = js_GetStreamInfo(&info, impl_->js, stream.c_str(), &jo, &code); s != NATS_OK) {
    return Error{"cluster: stream " + stream + ": " + status_text(s, code)};
  }
  std::vector<std::string> out;
  if (info->State.Subjects) {
    for (int i = 0; i < info->State.Subjects->Count; ++i) {
      if (info->State.Subjects->List[i].Msgs > 0) {
        out.emplace_back(info->State.Subjects->List[i].Subject);
      }
    }
  }
  jsStreamInfo_Destroy(info);
  return out;
}

Result<std::optional<JetStream::StoredMessage>> JetStream::last_message(
    const std::string& stream, const std::string& subject) {
  natsMsg* msg = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto s = js_GetLastMsg(&msg, impl_->js, stream.c_str(), subject.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND) return std::optional<StoredMessage>{};
  if (s != NATS_OK) {
    return Error{"cluster: last message of " + subject + ": " + status_text(s, code)};
  }
  StoredMessage out{.data = std::string(natsMsg_GetData(msg),
                                        static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                    .seq = natsMsg_GetSequence(msg)};
  natsMsg_Destroy(msg);
  return std::optional<StoredMessage>{std::move(out)};
}

Result<bool> JetStream::delete_message(const std::string& stream, std::uint64_t seq) {
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto s = js_DeleteMsg(impl_->js, stream.c_str(), seq, nullptr, &code);
  if (s == NATS_OK) return true;
  if (s == NATS_NOT_FOUND || code == JSSequenceNotFoundErr || code == JSNoMessageFoundErr ||
      code == JSStreamMsgDeleteFailed) {
    return false;
  }
  return Error{"cluster: delete message " + std::to_string(seq) + " of " + stream + ": " +
               status_text(s, code)};
}

}  // namespace leakwatch::cluster
