// Template definitions for support/otlp_compare.h.
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include <map>

namespace otlpd::test {

template <typename Req>
std::string compare_requests(const std::vector<Req>& sent, const std::vector<Req>& received) {
  // Requests are paired by their deterministic serialisation: for OTLP (no maps, no unknown fields) equal
  // bytes mean equal messages, and it is an order of magnitude faster than reflection over 100,000 spans.
  // MessageDifferencer cross-checks the first pairs and explains any mismatch.
  auto key = [](const Req& r) {
    std::string s;
    {
      google::protobuf::io::StringOutputStream out(&s);
      google::protobuf::io::CodedOutputStream coded(&out);
      coded.SetSerializationDeterministic(true);
      r.SerializeToCodedStream(&coded);
    }
    return s;
  };
  std::multimap<std::string, size_t> index;
  for (size_t i = 0; i < sent.size(); ++i) index.emplace(key(sent[i]), i);
  std::vector<int> seen(sent.size(), 0);
  std::vector<size_t> unmatched;
  std::string problems;
  size_t cross_checked = 0;
  for (size_t j = 0; j < received.size(); ++j) {
    auto range = index.equal_range(key(received[j]));
    auto it = range.first;
    while (it != range.second && seen[it->second]) ++it;
    if (it == range.second) {
      unmatched.push_back(j);
      continue;
    }
    seen[it->second] = 1;
    if (cross_checked++ < 10 && !google::protobuf::util::MessageDifferencer::Equals(sent[it->second], received[j]))
      problems += "received request " + std::to_string(j) + ": equal bytes but MessageDifferencer disagrees\n";
  }
  std::vector<size_t> missing;
  for (size_t i = 0; i < sent.size(); ++i)
    if (!seen[i]) missing.push_back(i);
  for (size_t k = 0; k < unmatched.size(); ++k) {
    problems += "received request " + std::to_string(unmatched[k]) + " matches no sent request not yet received";
    if (k < missing.size() && k < 3) {
      std::string diff;
      google::protobuf::util::MessageDifferencer d;
      d.ReportDifferencesToString(&diff);
      d.Compare(sent[missing[k]], received[unmatched[k]]);
      problems += "; against sent request " + std::to_string(missing[k]) + ": " + diff.substr(0, 600);
    }
    problems += "\n";
  }
  for (size_t i : missing) problems += "sent request " + std::to_string(i) + " never arrived intact\n";
  return problems.substr(0, 4000);
}

}  // namespace otlpd::test
