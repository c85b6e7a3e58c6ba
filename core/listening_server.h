// An httplib::Server whose listen backlog is raised after binding, for the servers of this project
// (the MCP HTTP transport, the sandbox).
#pragma once

#include <httplib.h>
#include <sys/socket.h>

namespace core {

// cpp-httplib 0.11 listens with a backlog of 5, a constant compiled into the packaged library. A
// burst of more connections than that (a shared server's clients, 64 sessions' calls reaching the
// sandbox at once) has SYNs dropped and retransmitted after 1, 3, 7, 15 and 31 s, which on a busy
// machine runs past a client's 30 s timeout. listen() again on the bound socket raises it.
class ListeningServer final : public httplib::Server {
 public:
  static constexpr int kBacklog = 256;

  // After bind_to_port() or bind_to_any_port(), before listen_after_bind(). False (errno set)
  // when listen() fails; the server still works with the old backlog.
  bool RaiseBacklog() { return ::listen(svr_sock_, kBacklog) == 0; }
};

}  // namespace core
