#pragma once

namespace faultline::app {

// Human-readable logs on stderr; stdout stays free for the access log.
void setup_logging();

}  // namespace faultline::app
