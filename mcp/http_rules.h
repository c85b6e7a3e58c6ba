// The header rules of MCP's Streamable HTTP transport, as pure functions (no sockets, no state):
// content negotiation, the 2026-07-28 request-metadata headers, bearer challenges (RFC 6750,
// RFC 9728) and the Host/Origin allow-list that guards against DNS rebinding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/url.h"
#include "mcp/json_rpc.h"

namespace mcp {

// True when some media range in the Accept header value covers `type` (for example
// "application/json"), wildcards "*/*" and "application/*" included, with a q-value above 0.
bool AcceptsMediaType(std::string_view accept, std::string_view type);

// True for "application/json" with or without parameters such as charset.
bool IsJsonContentType(std::string_view content_type);

// Decodes an Mcp-Name (or Mcp-Param-*) header value: visible ASCII, space and tab as they are, or
// the "=?base64?<standard base64>?=" form. nullopt for other characters or bad base64.
std::optional<std::string> DecodeMcpHeaderValue(std::string_view value);

// The 2026-07-28 request-metadata headers of one POST; nullopt where absent.
struct ModernHeaders {
  std::optional<std::string> protocol_version;  // MCP-Protocol-Version
  std::optional<std::string> method;            // Mcp-Method
  std::optional<std::string> name;              // Mcp-Name
};

// Streamable HTTP (2026-07-28) "Server Validation" for a request: MCP-Protocol-Version must equal
// params._meta["io.modelcontextprotocol/protocolVersion"], Mcp-Method the method, and Mcp-Name
// (decoded) the params.name of tools/call and prompts/get or the params.uri of resources/read.
// A missing required header is a mismatch too. Returns the client-safe reason of the first
// mismatch, or nullopt when headers and body agree.
std::optional<std::string> ModernHeaderMismatch(const Message& message,
                                                const ModernHeaders& headers);

// The token of an "Authorization: Bearer <token>" value (scheme case-insensitive, RFC 6750 §2.1);
// nullopt for any other scheme, an empty token, or characters outside the b64token syntax.
std::optional<std::string> BearerToken(std::string_view authorization);

// RFC 9728 §3.1: the metadata URL of a resource, "/.well-known/oauth-protected-resource" inserted
// between the origin and the path ("https://h/mcp" -> "https://h/.well-known/...-resource/mcp").
// A bare origin, with or without its slash, gets the root form.
std::string ResourceMetadataUrl(const core::Url& resource);

// A WWW-Authenticate Bearer challenge (RFC 6750 §3, RFC 9728 §5.1). Empty members are left out;
// quotes, backslashes and characters RFC 6750 forbids are dropped from the values.
struct BearerChallenge {
  std::string resource_metadata;
  std::string error;  // "invalid_token", "insufficient_scope" or empty
  std::string error_description;
  std::string scope;  // space-separated
};
std::string FormatBearerChallenge(const BearerChallenge& challenge);

// The Host and Origin values a server accepts. Comparison is case-insensitive and exact: a Host
// is an authority ("localhost:8080"), an Origin a serialized origin ("http://localhost:8080").
class HostPolicy {
 public:
  HostPolicy() = default;
  HostPolicy(std::vector<std::string> hosts, std::vector<std::string> origins);

  // The loopback names (localhost, 127.0.0.1, [::1]) at `port`, and the public URL's authority
  // and origin, followed by `extra_hosts` and `extra_origins`.
  static HostPolicy Defaults(int port, const core::Url& public_url,
                             const std::vector<std::string>& extra_hosts,
                             const std::vector<std::string>& extra_origins);

  bool AllowsHost(std::string_view host) const;
  bool AllowsOrigin(std::string_view origin) const;

  const std::vector<std::string>& hosts() const { return hosts_; }
  const std::vector<std::string>& origins() const { return origins_; }

 private:
  std::vector<std::string> hosts_;    // lowercase
  std::vector<std::string> origins_;  // lowercase
};

}  // namespace mcp
