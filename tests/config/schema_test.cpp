// Declarative config schemas: strict parsing, one error style with path and line, describe output.
#include "config/schema.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <sstream>

using namespace otlpd;
using namespace std::chrono_literals;
using Catch::Contains;

namespace {

struct Sample {
  enum class Level { low, high };
  uint32_t count = 10;
  Duration wait = 5s;
  ByteSize size{4096};
  std::string name;
  bool loud = false;
  float share = 0;
  std::vector<std::string> tags;
  Level level = Level::low;
};

const Schema<Sample>& sample_schema() {
  static const auto s =
      Schema<Sample>()
          .key("count", &Sample::count, "how many", between(1u, 100u))
          .key("wait", &Sample::wait, "how long", at_least(Duration::zero()))
          .key("size", &Sample::size, "how big")
          .key("name", &Sample::name, "who", required<std::string>())
          .key("loud", &Sample::loud, "whether to shout")
          .key("share", &Sample::share, "a fraction", between(0.0F, 1.0F))
          .key("tags", &Sample::tags, "labels")
          .choice("level", &Sample::level, {{"low", Sample::Level::low}, {"high", Sample::Level::high}}, "how much",
                  {{"max", "there is no maximum"}})
          .unsupported("auth", "otlpd has no client auth here")
          .ignored("keepalive", "connections are not kept here")
          .validate([](Sample& c, const SchemaInput& in) {
            if (c.loud && c.level == Sample::Level::low) in.fail("level", "loud needs level high");
          })
          .note("a note for the reader");
  return s;
}

// Parses `yaml` as the config of "processors::sample" and returns the error message, or "" when it loaded.
std::string error_of(const std::string& yaml) {
  try {
    sample_schema().parse(ConfigNode(YAML::Load(yaml), "processors::sample"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Collects what spdlog logs while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("a schema reads each declared key into its member and keeps the defaults of absent ones",
          "[config][schema]") {
  auto c = sample_schema().parse(ConfigNode(YAML::Load("name: x\ncount: 7\nsize: 1MiB\nshare: 0.5\ntags: [a, b]\n"
                                                       "level: high\nloud: true\n"),
                                            "p"));
  CHECK(c->name == "x");
  CHECK(c->count == 7);
  CHECK(c->size.bytes == 1024u * 1024);
  CHECK(c->share == 0.5F);
  CHECK(c->tags == std::vector<std::string>{"a", "b"});
  CHECK(c->level == Sample::Level::high);
  CHECK(c->loud);
  CHECK(c->wait == 5s);  // absent: the struct's default
}

TEST_CASE("a schema refuses an unknown key with its path, line and the valid keys", "[config][schema]") {
  auto e = error_of("name: x\ncuont: 3\n");
  CHECK_THAT(e, Contains("processors::sample::cuont (line 2)") && Contains("unknown key 'cuont'") &&
                    Contains("valid keys are: ") && Contains("count") && Contains("wait"));
}

TEST_CASE("type and range errors name the key's path and line", "[config][schema]") {
  CHECK_THAT(error_of("name: x\nwait: soon\n"),
             Contains("processors::sample::wait (line 2)") && Contains("expected a duration"));
  CHECK_THAT(error_of("name: x\ncount: 0\n"),
             Contains("processors::sample::count (line 2)") && Contains("must be between 1 and 100, found 0"));
  CHECK_THAT(error_of("name: x\nwait: -1s\n"), Contains("(line 2)") && Contains("must be at least 0s"));
  CHECK_THAT(error_of("name: x\nshare: 2\n"), Contains("share (line 2)") && Contains("between 0 and 1"));
  CHECK_THAT(error_of("name: x\nloud: maybe\n"), Contains("loud (line 2)") && Contains("expected true or false"));
  CHECK_THAT(error_of("name: x\nsize: 4 furlongs\n"), Contains("size (line 2)") && Contains("expected a size"));
  CHECK_THAT(error_of("name: x\nshare: 1e300\n"), Contains("share (line 2)") && Contains("out of range"));
}

TEST_CASE("an enum error lists the valid values, a refused value says it is not supported by otlpd",
          "[config][schema]") {
  CHECK_THAT(error_of("name: x\nlevel: mid\n"),
             Contains("level (line 2)") && Contains("unknown value 'mid'; valid values are: low, high, max"));
  CHECK_THAT(error_of("name: x\nlevel: max\n"),
             Contains("level (line 2)") && Contains("not supported by otlpd: there is no maximum"));
}

TEST_CASE("a required key that is missing fails at the map's line", "[config][schema]") {
  CHECK_THAT(error_of("count: 3\n"),
             Contains("processors::sample (line 1)") && Contains("missing required key 'name'"));
  CHECK_THAT(error_of("name: ''\n"), Contains("name (line 1)") && Contains("must not be empty"));
}

TEST_CASE("no key is accepted silently: unsupported keys fail, ignored keys warn naming the key", "[config][schema]") {
  CHECK_THAT(error_of("name: x\nauth: {authenticator: a}\n"),
             Contains("processors::sample::auth (line 2)") && Contains("not supported by otlpd"));
  LogCapture log;
  CHECK(error_of("name: x\nkeepalive: {time: 10s}\n").empty());
  CHECK_THAT(log.text(), Contains("processors::sample::keepalive (line 2)") && Contains("ignored by otlpd"));
}

TEST_CASE("a cross-field rule fails at the line of the key it names", "[config][schema]") {
  CHECK_THAT(error_of("name: x\nlevel: low\nloud: true\n"),
             Contains("processors::sample::level (line 2)") && Contains("loud needs level high"));
  // The key the rule names is absent: the map's own line.
  CHECK_THAT(error_of("name: x\nloud: true\n"), Contains("processors::sample (line 1)"));
}

TEST_CASE("describe prints every key with its type, default, limits and doc", "[config][schema]") {
  auto text = describe(sample_schema());
  CHECK_THAT(text, Contains("count  uint32 (between 1 and 100)  default: 10\n      how many"));
  CHECK_THAT(text, Contains("wait  duration (at least 0s)  default: 5s"));
  CHECK_THAT(text, Contains("size  byte size  default: 4KiB"));
  CHECK_THAT(text, Contains("name  string (required)"));
  CHECK_THAT(text, Contains("level  one of: low, high, max (not supported)  default: low"));
  CHECK_THAT(text, Contains("auth  -\n      not supported by otlpd"));
  CHECK_THAT(text, Contains("keepalive  any\n      ignored by otlpd"));
  CHECK_THAT(text, Contains("note: a note for the reader"));
  CHECK(sample_schema().keys().size() == 10);
}
