// Test helper: a self-signed certificate for 127.0.0.1 / localhost, written as PEM files.
#pragma once

#include <string>

#include "support/daemon.h"

namespace otlpd::test {

struct CertFiles {
  std::string cert;  // also usable as the CA file: the certificate signs itself
  std::string key;
};

// Generates a fresh P-256 key and a self-signed certificate (CA:TRUE, SAN IP:127.0.0.1, DNS:localhost)
// into `dir`. Throws std::runtime_error on failure.
CertFiles make_self_signed_cert(const TempDir& dir);

}  // namespace otlpd::test
