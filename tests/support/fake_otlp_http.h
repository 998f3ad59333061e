// A fake OTLP/HTTP backend for tests: decodes (gzip/zstd/snappy, protobuf/JSON) and captures requests and headers,
// can be told to fail for a while with a status and Retry-After.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/batch.h"

namespace otlpd::test {

class FakeOtlpHttpServer {
 public:
  // Listens on 127.0.0.1:<free port>.
  FakeOtlpHttpServer();
  ~FakeOtlpHttpServer();
  FakeOtlpHttpServer(const FakeOtlpHttpServer&) = delete;
  FakeOtlpHttpServer& operator=(const FakeOtlpHttpServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>"

  // Answers `status` (with Retry-After: `retry_after` when not empty) for `d` from now on.
  void fail_for(std::chrono::milliseconds d, int status, std::string retry_after = {});
  // Answers `status` to the next `n` requests.
  void fail_requests(int n, int status, std::string retry_after = {});
  // Closes the port and every connection, as a backend that went down (what it received is kept); restart()
  // listens on the same port again.
  void stop();
  void restart();

  struct Request {
    std::string path;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;                            // decompressed
  };
  std::vector<Request> requests() const;  // accepted ones
  std::vector<otlp_trace::ExportTraceServiceRequest> traces() const;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics() const;
  std::vector<otlp_logs::ExportLogsServiceRequest> logs() const;
  size_t spans() const;
  size_t attempts() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::test
