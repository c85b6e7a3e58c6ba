#include "core/listen_error.h"

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace core {

Status ListenFailed(std::string_view host, int port, int error) {
  std::string reason;
  switch (error) {
    case EADDRINUSE:
      reason = "the port is in use (another server listens there); choose another --port";
      break;
    case EADDRNOTAVAIL:
      reason = "the address is not one of this machine's; choose another --host";
      break;
    case EACCES:
      reason = "permission denied (ports below 1024 need privileges); choose another --port";
      break;
    default:
      reason = error != 0 ? fmt::format("{}; check --host and --port",
                                        std::error_code(error, std::generic_category()).message())
                          : "check --host and --port";
      break;
  }
  return {Code::kUnavailable, fmt::format("could not listen on {}:{}: {}", host, port, reason),
          fmt::format("errno={}", error)};
}

}  // namespace core
