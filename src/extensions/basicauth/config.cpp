// The `basicauth` extension's config schema and the htpasswd reader.
#include "extensions/basicauth/config.h"

#include "platform/text.h"

namespace otlpd::basicauth {

namespace {

constexpr size_t kMaxHtpasswdBytes = 4 * 1024 * 1024;

// Adds the entries of htpasswd `text`; a later entry for a user replaces an earlier one. Fails on `where`.
void parse_htpasswd(const ConfigNode& where, const std::string& source, std::string_view text,
                    std::map<std::string, Entry, std::less<>>& users) {
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto colon = line.find(':');
    std::string at = source + " line " + std::to_string(line_no);
    if (colon == std::string_view::npos || colon == 0) where.fail(at + ": an entry must be 'user:password'");
    std::string user(line.substr(0, colon));
    std::string_view pass = line.substr(colon + 1);
    Entry e;
    if (pass.starts_with("{SHA}")) {
      e.kind = Entry::Kind::sha1;
      e.secret = pass.substr(5);
      if (e.secret.size() != 28) where.fail(at + ": user '" + user + "' has a malformed {SHA} hash");
    } else if (pass.size() > 2 && pass.front() == '$' && pass.find('$', 1) != std::string_view::npos) {
      // $apr1$ (MD5), $2y$ (bcrypt), $5$/$6$ (SHA-crypt), ...: refused rather than compared as plain text.
      auto scheme = pass.substr(0, pass.find('$', 1) + 1);
      where.fail(at + ": user '" + user + "' has a password hash in an unsupported format '" + std::string(scheme) +
                 "' (supported: plain text and {SHA})");
    } else {
      e.secret = pass;
    }
    users[user] = std::move(e);
  }
}

// The htpasswd block as written; its entries are read by read_htpasswd.
struct Htpasswd {
  std::string file;
  std::string inline_text;
};

const Schema<Htpasswd>& htpasswd_schema() {
  static const auto s =
      Schema<Htpasswd>()
          .key("file", &Htpasswd::file, "htpasswd file (plain-text or {SHA} passwords), read when the config is loaded")
          .key("inline", &Htpasswd::inline_text, "htpasswd entries; they win over the file's");
  return s;
}

// The file is read now, so that `otlpd validate` reports its bad entries too; inline entries win.
void read_htpasswd(const ConfigNode& n, BasicAuthConfig& c) {
  auto h = htpasswd_schema().parse(n);
  SchemaInput in(n);
  if (!h->file.empty()) {
    const auto at = *in.at("file");
    std::string text, error;
    if (!read_small_file(h->file, kMaxHtpasswdBytes, "the htpasswd file", text, error)) at.fail(error);
    parse_htpasswd(at, "'" + h->file + "'", text, c.users);
  }
  if (!h->inline_text.empty()) parse_htpasswd(*in.at("inline"), "inline", h->inline_text, c.users);
  if (c.users.empty()) n.fail("htpasswd has no user entries (set 'file' and/or 'inline')");
}

}  // namespace

const Schema<ClientAuth>& client_auth_schema() {
  static const auto s =
      Schema<ClientAuth>()
          .key("username", &ClientAuth::username, "the user name sent")
          .key("password", &ClientAuth::password, "the password sent")
          .key("username_file", &ClientAuth::username_file,
               "otlpd's addition: file holding the user name, re-read when it changes (instead of username)")
          .key("password_file", &ClientAuth::password_file,
               "otlpd's addition: file holding the password, re-read when it changes (instead of password)")
          .validate([](ClientAuth& c, const SchemaInput& in) {
            if (!c.username.empty() && !c.username_file.empty())
              in.fail("username_file", "give either 'username' or 'username_file', not both");
            if (!c.password.empty() && !c.password_file.empty())
              in.fail("password_file", "give either 'password' or 'password_file', not both");
            if (c.username.empty() && c.username_file.empty())
              in.node().fail("client_auth needs 'username' (or 'username_file')");
            if (c.username.find(':') != std::string::npos) in.fail("username", "a Basic user name cannot contain ':'");
          });
  return s;
}

const Schema<BasicAuthConfig>& schema() {
  static const auto s =
      Schema<BasicAuthConfig>()
          .block("htpasswd", "map", "server side: the accepted users, 'file' and/or 'inline'", htpasswd_schema(),
                 read_htpasswd)
          .block("client_auth", "map", "client side: the credentials exporters send (auth.authenticator)",
                 client_auth_schema(),
                 [](const ConfigNode& n, BasicAuthConfig& c) { c.client = *client_auth_schema().parse(n); })
          .validate([](BasicAuthConfig& c, const SchemaInput& in) {
            const bool server = in.has("htpasswd"), client = in.has("client_auth");
            if (server && client)
              in.node().fail(
                  "basicauth is either a server authenticator (htpasswd) or a client one (client_auth), "
                  "not both: configure two basicauth extensions");
            if (!server && !client)
              in.node().fail(
                  "basicauth needs 'htpasswd' (to check receivers' clients) or 'client_auth' (for "
                  "exporters)");
            (void)c;
          });
  return s;
}

std::unique_ptr<BasicAuthConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::basicauth

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "basicauth", ::otlpd::basicauth::schema)
