// The listening socket and raw HTTP framing: one server per port, and requests whose framing
// httplib::Client would never produce.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/mcp_http/http_harness.h"

namespace mcp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sends `request` as it is on a fresh loopback connection and returns the answer: its header
// block and Content-Length bytes of body, or what arrived until the peer closed or 10 s passed
// (longer than the server's own 5 s read timeout, so a server waiting for more body still
// answers within it).
std::string RawExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return "socket failed";
  }
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  std::string reply;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return "connect or send failed";
  }
  const auto complete = [&reply] {
    const std::size_t end = reply.find("\r\n\r\n");
    if (end == std::string::npos) {
      return false;
    }
    const std::size_t length = reply.find("Content-Length: ");
    const std::size_t body = length < end ? std::stoul(reply.substr(length + 16)) : 0;
    return reply.size() >= end + 4 + body;
  };
  char buffer[4096];
  while (!complete()) {
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got <= 0) {
      break;
    }
    reply.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return reply;
}

std::string BodilessPost(int port, const std::string& extra_headers = "") {
  return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAccept: application/json, text/event-stream\r\n" + extra_headers + "\r\n";
}

// F2: httplib's default socket options set SO_REUSEPORT, with which a second server could bind
// the same port and take a share of the first one's connections.
TEST(HttpListener, RefusesAPortAnotherServerListensOn) {
  HttpHarness first;
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.port = first.port();
  const Server server(ServerInfo{.version = "test"}, TestRegistry());
  HttpTransport second(server, options);

  const core::Status status = second.Start();

  EXPECT_EQ(status.code(), core::Code::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("in use"));
}

// F4 (C20): a POST without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3); it is
// answered at once, and with 401 when it has no token.
TEST(HttpListener, BodilessPostWithoutContentLengthIsUnauthorized) {
  HttpHarness harness;

  const std::string reply = RawExchange(harness.port(), BodilessPost(harness.port()));

  EXPECT_THAT(reply, StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(reply, HasSubstr("WWW-Authenticate: Bearer "));
}

TEST(HttpListener, BodilessPostWithoutContentLengthIsAnEmptyBody) {
  HttpHarness harness;

  const std::string reply =
      RawExchange(harness.port(), BodilessPost(harness.port(),
                                               "Authorization: Bearer alice-token\r\n"
                                               "Content-Type: application/json\r\n"));

  EXPECT_THAT(reply, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(reply, HasSubstr("-32700"));  // no JSON-RPC message: a parse error, not a timeout
}

}  // namespace
}  // namespace mcp::testing
