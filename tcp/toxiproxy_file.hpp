// toxiproxy-server's -config file: a JSON array of proxies, as POST /populate takes it.
// Unlike toxiproxy-server, the toxics an entry lists ("toxics": [{"type": ..., ...}]) are
// created too, so a file can describe a whole experiment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faultline::tcp {

class ToxiproxyApi;

// Creates the file's proxies and toxics through `api`. Returns one message per problem
// (nothing when all went well); what could be created is created.
std::vector<std::string> load_toxiproxy_file(const ToxiproxyApi& api, std::string_view text);

}  // namespace faultline::tcp
