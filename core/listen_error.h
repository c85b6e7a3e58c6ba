// The one message for a server that could not listen (the MCP HTTP transport, the sandbox): what
// failed, why, and what to change, so that every start failure reads the same.
#pragma once

#include <string_view>

#include "core/status.h"

namespace core {

// kUnavailable; the message names host:port, the reason behind `error` (an errno value from the
// failed bind or listen) and the setting to change; the detail keeps the raw errno.
Status ListenFailed(std::string_view host, int port, int error);

}  // namespace core
