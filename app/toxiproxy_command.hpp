// `faultline toxiproxy`: a drop-in for toxiproxy-server 2.x. Its flags are Go-style
// (-host localhost -port 8474 -config FILE, one dash or two, `-flag=value` too), so they are
// parsed here rather than by CLI11.
#pragma once

namespace faultline::app {

// argv[0] is the first argument after "toxiproxy". Exit code: 0, 1 runtime, 2 usage.
int run_toxiproxy_command(int argc, char** argv);

}  // namespace faultline::app
