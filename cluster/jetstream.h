// The one wrapper of libnats (the only file that includes it): a connection to the NATS servers
// of `[cluster]` with its authentication and TLS, the JetStream streams and consumers of a
// cluster (created or updated at start, idempotently), publishing with a de-duplication id and
// retries over a leader election, and pull consumers whose messages are acknowledged explicitly.
// It knows nothing of scans: jobs and results are bytes here (cluster/messages.h gives them
// meaning).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/result.h"

namespace leakwatch::cluster {

// The names a `[cluster] name` prefix gives to streams, consumers and subjects.
struct ClusterNames {
  std::string prefix;
  std::string jobs_stream, results_stream, heartbeats_stream;
  std::string workers_consumer;      // durable pull consumer on the jobs (work queue)
  std::string coordinator_consumer;  // durable pull consumer on the results (work queue)

  static ClusterNames for_prefix(const std::string& prefix);
  // Subjects carry source and worker names; '.' (a token separator) is written "%2E".
  std::string job_subject(std::string_view source) const;
  std::string result_subject(std::string_view source) const;
  std::string heartbeat_subject(std::string_view worker) const;
  std::string state_subject() const;  // the coordinator's counters and jobs given up
  // The source a job subject names (inverse of job_subject); nullopt when it is not one.
  std::optional<std::string> source_of_job_subject(std::string_view subject) const;
};

struct Header {
  std::string key, value;
};

// One message fetched from a pull consumer. It is acknowledged at most once; a Delivery dropped
// without ack() is redelivered by the server after the ack wait.
class Delivery {
 public:
  struct Impl;
  explicit Delivery(std::unique_ptr<Impl> impl);
  ~Delivery();
  Delivery(Delivery&&) noexcept;
  Delivery& operator=(Delivery&&) noexcept;

  std::string_view data() const;
  std::optional<std::string> header(const char* key) const;
  std::string subject() const;
  std::uint64_t times_delivered() const;  // 1 on the first delivery
  // Waits for the server to confirm (a late ack after a redelivery still succeeds: the records
  // made from a message are idempotent).
  Result<void> ack();
  Result<void> in_progress();  // resets the ack wait
  Result<void> nak(std::chrono::milliseconds delay);
  Result<void> term();  // never redelivered (a message that cannot be read)

 private:
  std::unique_ptr<Impl> impl_;
};

class PullConsumer {
 public:
  struct Impl;
  explicit PullConsumer(std::unique_ptr<Impl> impl);
  ~PullConsumer();
  // Up to `batch` messages, waiting at most `wait` for the first; none is not an error.
  Result<std::vector<Delivery>> fetch(int batch, std::chrono::milliseconds wait);

 private:
  std::unique_ptr<Impl> impl_;
};

struct ConsumerCounts {
  std::uint64_t pending = 0;      // stored, not yet delivered
  std::uint64_t in_flight = 0;    // delivered, not yet acknowledged
  std::uint64_t redelivered = 0;  // of those in flight, delivered more than once
};

// The public key (U...) of an nkey seed (SU...), as nats-server's `authorization` names it.
Result<std::string> nkey_public_from_seed(std::string_view seed);

class JetStream {
 public:
  struct Impl;
  // Connects to any of `cluster.servers` (reconnecting for ever afterwards) with the configured
  // credentials and TLS. Wrong credentials, an unreadable file or no server up are errors.
  static Result<std::unique_ptr<JetStream>> connect(const config::ClusterConfig& cluster,
                                                    const std::string& client_name);
  explicit JetStream(std::unique_ptr<Impl> impl);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  const ClusterNames& names() const;
  // The largest message the server takes, headers included.
  std::size_t max_payload() const;
  // Creates the three streams and two consumers, or updates them to this config.
  Result<void> ensure_streams();
  // Publishes and waits for the stream's acknowledgement, retrying transient failures (no
  // responders while a stream leader is elected, timeouts, reconnects) with the same msg_id, so
  // the stream stores the message once, until `give_up_after` has passed.
  // The answer is the message's sequence number in its stream.
  Result<std::uint64_t> publish(const std::string& subject, std::string_view data,
                                const std::string& msg_id, const std::vector<Header>& headers,
                                std::chrono::milliseconds give_up_after);
  // Removes message `seq` of `stream`; false when it was not there (already acknowledged).
  Result<bool> delete_message(const std::string& stream, std::uint64_t seq);
  Result<std::unique_ptr<PullConsumer>> pull(const std::string& stream,
                                             const std::string& consumer);
  Result<ConsumerCounts> consumer_counts(const std::string& stream, const std::string& consumer);
  // Subjects of `stream` under `filter` that hold messages now.
  Result<std::vector<std::string>> subjects_with_messages(const std::string& stream,
                                                          const std::string& filter);
  // The last message on `subject`, nullopt when there is none.
  struct StoredMessage {
    std::string data;
    std::uint64_t seq = 0;
  };
  Result<std::optional<StoredMessage>> last_message(const std::string& stream,
                                                    const std::string& subject);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::cluster
