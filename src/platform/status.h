// The result of handing a batch downstream: ok, retryable (backpressure) or permanent (bad data).
#pragma once

#include <chrono>
#include <string>
#include <utility>

namespace otlpd {

class Status {
 public:
  enum class Code { ok, retryable, permanent };

  static Status ok() { return Status(); }
  // The client should try again later; `retry_after` is a hint (zero: no hint). `exhausted` marks a resource
  // limit (memory, rate) as opposed to a temporarily unavailable downstream: gRPC RESOURCE_EXHAUSTED / HTTP 429.
  static Status retryable(std::string message, std::chrono::milliseconds retry_after = {}, bool exhausted = false) {
    Status s(Code::retryable, std::move(message));
    s.retry_after_ = retry_after;
    s.exhausted_ = exhausted;
    return s;
  }
  // Retrying will not help: the data is invalid or was refused for good.
  static Status permanent(std::string message) { return Status(Code::permanent, std::move(message)); }

  Status() = default;

  bool is_ok() const { return code_ == Code::ok; }
  bool is_retryable() const { return code_ == Code::retryable; }
  bool is_permanent() const { return code_ == Code::permanent; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::chrono::milliseconds retry_after() const { return retry_after_; }
  bool exhausted() const { return exhausted_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::ok;
  std::string message_;
  std::chrono::milliseconds retry_after_{0};
  bool exhausted_ = false;
};

}  // namespace otlpd
