// The subcommands. Each returns the process exit code: 0 ok, 1 runtime or validation
// failure (usage errors, 2, are the CLI parser's).
#pragma once

#include <string>

namespace faultline::app {

int run_proxy(const std::string& config_path);
// `tls_cert` and `tls_key` both empty: plain HTTP; both set: HTTPS.
int run_echo(const std::string& listen, unsigned threads, const std::string& tls_cert,
             const std::string& tls_key);
int run_check(const std::string& config_path);
int run_demo();

}  // namespace faultline::app
