// Template definitions for support/otlp_compare.h.
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include <map>

namespace otlpd::test {

template <typename Req>
std::string compare_requests(const std::vector<Req>& sent, const std::vector<Req>& received) {
  // Index the sent requests by their deterministic serialisation to pair them up quickly, then let
  // MessageDifferencer decide equality.
  auto key = [](const Req& r) {
    std::string s;
    google::protobuf::io::StringOutputStream out(&s);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    r.SerializeToCodedStream(&coded);
    coded.Trim();
    return s;
  };
  std::multimap<std::string, size_t> index;
  for (size_t i = 0; i < sent.size(); ++i) index.emplace(key(sent[i]), i);
  std::vector<int> seen(sent.size(), 0);
  std::string problems;
  for (size_t j = 0; j < received.size(); ++j) {
    auto range = index.equal_range(key(received[j]));
    bool matched = false;
    for (auto it = range.first; it != range.second; ++it) {
      if (seen[it->second]) continue;
      std::string diff;
      google::protobuf::util::MessageDifferencer d;
      d.ReportDifferencesToString(&diff);
      if (d.Compare(sent[it->second], received[j])) {
        seen[it->second] = 1;
        matched = true;
        break;
      }
      problems += "received request " + std::to_string(j) + " differs: " + diff.substr(0, 500) + "\n";
    }
    if (!matched)
      problems += "received request " + std::to_string(j) + " matches no sent request not yet received\n";
  }
  for (size_t i = 0; i < sent.size(); ++i)
    if (!seen[i]) problems += "sent request " + std::to_string(i) + " never arrived intact\n";
  return problems.substr(0, 4000);
}

}  // namespace otlpd::test
