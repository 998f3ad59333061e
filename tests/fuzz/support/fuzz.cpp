// What every fuzz target links: quiet logs and message comparison.
#include "fuzz/support/fuzz.h"

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

namespace {

// Protobuf logs each string of invalid UTF-8 it parses, components log what they build: at millions of inputs
// that would be all the output holds.
[[maybe_unused]] const bool quiet = [] {
  google::protobuf::SetLogHandler(nullptr);
  spdlog::set_level(spdlog::level::off);
  return true;
}();

}  // namespace

namespace otlpd::fuzz {

void check_same(const google::protobuf::Message& want, const google::protobuf::Message& got, std::string_view what) {
  google::protobuf::util::DefaultFieldComparator nan_equal;
  nan_equal.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differ;
  differ.set_field_comparator(&nan_equal);
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  if (!differ.Compare(want, got)) check_failed(__FILE__, __LINE__, "same messages", std::string(what) + ": " + diff);
}

}  // namespace otlpd::fuzz
