// Test helper: are two lists of OTLP requests the same, field by field, regardless of order?
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

namespace otlpd::test {

// Empty when every sent request was received exactly once and nothing else was (compared with
// MessageDifferencer, order-insensitive across requests); otherwise what differs.
template <typename Req>
std::string compare_requests(const std::vector<Req>& sent, const std::vector<Req>& received);

}  // namespace otlpd::test

#include "support/otlp_compare_inl.h"
