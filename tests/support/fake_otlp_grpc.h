// A fake OTLP/gRPC backend for tests: captures requests and metadata, can be told to fail for a while.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/batch.h"

namespace otlpd::test {

class FakeOtlpGrpcServer {
 public:
  // Listens on 127.0.0.1:<free port>.
  FakeOtlpGrpcServer();
  // Listens on `host`:`port` (port 0: a free one), e.g. 127.0.0.2 with another server's port, for DNS tests.
  FakeOtlpGrpcServer(std::string host, int port);
  ~FakeOtlpGrpcServer();

  std::string endpoint() const { return host_ + ":" + std::to_string(port_); }
  int port() const { return port_; }

  // Answers `code` (with `details`, a serialised google.rpc.Status, when given) for `d` from now on.
  void fail_for(std::chrono::milliseconds d, grpc::StatusCode code, std::string details = {});
  // Answers `code` to the next `n` requests.
  void fail_requests(int n, grpc::StatusCode code, std::string details = {});
  // Stops failing.
  void recover();
  // Closes the port, as a backend that went down (what it received is kept); restart() listens on it again.
  void stop();
  void restart();
  // From now on, requests are taken (and counted in attempts()) but not answered until release().
  void hold();
  // Answers every held request and stops holding.
  void release();

  // What arrived successfully (failed attempts are not kept), and every attempt's metadata.
  std::vector<otlp_trace::ExportTraceServiceRequest> traces() const;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics() const;
  std::vector<otlp_logs::ExportLogsServiceRequest> logs() const;
  std::vector<std::multimap<std::string, std::string>> metadata() const;  // of accepted requests
  size_t spans() const;
  size_t attempts() const;

  struct State;

 private:
  void listen(const std::string& address);

  std::shared_ptr<State> state_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
};

}  // namespace otlpd::test
