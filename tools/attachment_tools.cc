// Attachment tools: list_attachments, download_attachment, upload_attachment.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string_view>

#include "core/base64.h"
#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

constexpr std::size_t kDefaultDownloadCap = std::size_t{1} << 20;
constexpr std::size_t kMaxDownloadCap = std::size_t{8} << 20;
constexpr std::size_t kMaxUpload = std::size_t{10} << 20;

bool IsTextType(const std::string& mime) {
  return mime.rfind("text/", 0) == 0 || mime.find("json") != std::string::npos ||
         mime.find("xml") != std::string::npos || mime.find("yaml") != std::string::npos;
}

// A media type's name as RFC 6838 restricts it, type/subtype: nothing that could end the
// form data's header line it goes into.
bool IsMediaType(std::string_view mime) {
  const auto name_ok = [](std::string_view name) {
    return !name.empty() && std::isalnum(static_cast<unsigned char>(name.front())) != 0 &&
           name.size() <= 127 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
             return std::isalnum(c) != 0 ||
                    std::string_view("!#$&^_.+-").find(static_cast<char>(c)) !=
                        std::string_view::npos;
           });
  };
  const std::size_t slash = mime.find('/');
  return slash != std::string_view::npos && name_ok(mime.substr(0, slash)) &&
         name_ok(mime.substr(slash + 1));
}

core::Result<mcp::ToolResult> ListAttachments(JiraClient& client, const Json& arguments,
                                              const mcp::CallContext& context) {
  auto response = client.Call(
      context,
      Request("GET", fmt::format("/rest/api/3/issue/{}?fields=attachment", IssueKey(arguments)),
              ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Listing attachments");
  }
  const Json& listed = MemberOrNull(MemberOrNull(response->body, "fields"), "attachment");
  Json attachments = listed.is_array() ? CompactValue(listed) : Json::array();
  std::string text = Count(attachments.size(), "attachment");
  for (const auto& attachment : attachments) {
    const Json size = attachment.value("size", Json());
    text += fmt::format("\n{} · {} · {} · {}", ValueText(attachment.value("id", Json())),
                        ValueText(attachment.value("filename", Json())),
                        ValueText(attachment.value("mimeType", Json())),
                        size.is_number_unsigned() ? Count(size.get<std::size_t>(), "byte")
                                                  : ValueText(size) + " bytes");
  }
  return mcp::ToolResult::Success(std::move(text), {{"attachments", attachments}});
}

core::Result<mcp::ToolResult> DownloadAttachment(JiraClient& client, const Json& arguments,
                                                 const mcp::CallContext& context) {
  const std::string id = StringArg(arguments, "attachment_id");
  const std::size_t cap =
      std::min(arguments.value("max_bytes", kDefaultDownloadCap), kMaxDownloadCap);
  auto meta = client.Call(
      context, Request("GET", "/rest/api/3/attachment/" + Encode(id), ReadWork(), arguments));
  if (!meta.ok()) {
    return meta.status().WithContext("Reading attachment " + id);
  }
  const std::string mime = ValueOr(meta->body, "mimeType", "application/octet-stream");
  const std::string filename = ValueOr(meta->body, "filename", "");
  // As the text of replies and errors show them.
  const std::string shown_name = PlainText(filename);
  const std::string shown_mime = PlainText(mime);
  const auto size = meta->body.value("size", std::size_t{0});
  if (size > cap) {
    return core::Status(core::Code::kResourceExhausted,
                        fmt::format("{} is {}, over the {} byte cap; raise max_bytes (up to "
                                    "{}) or open it in Jira.",
                                    shown_name, Count(size, "byte"), cap, kMaxDownloadCap));
  }
  // Pictures a model reads; an SVG is XML that can hold script, so it reads as text.
  const bool image =
      mime == "image/png" || mime == "image/jpeg" || mime == "image/gif" || mime == "image/webp";
  if (!image && !IsTextType(mime)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("{} is {}, which is neither text nor an image in PNG, "
                                    "JPEG, GIF or WebP; open it in Jira instead.",
                                    shown_name, shown_mime));
  }
  JiraRequest request =
      Request("GET", fmt::format("/rest/api/3/attachment/content/{}?redirect=false", Encode(id)),
              ReadWork(), arguments);
  request.raw_response = true;
  request.max_response_bytes = cap + 1;
  auto content = client.Call(context, request);
  if (!content.ok() && AnswerTooLarge(content.status())) {
    // Jira's size for it was below the cap, its content is not.
    return core::Status(core::Code::kResourceExhausted,
                        fmt::format("{} is larger than the {} byte cap; raise max_bytes (up to "
                                    "{}) or open it in Jira.",
                                    shown_name, cap, kMaxDownloadCap));
  }
  if (!content.ok()) {
    return content.status().WithContext("Downloading " + shown_name);
  }
  Json structured = {
      {"id", id}, {"filename", filename}, {"mimeType", mime}, {"size", content->raw.size()}};
  if (image) {
    mcp::ToolResult result = mcp::ToolResult::Success(
        fmt::format("{} ({}, {})", shown_name, shown_mime, Count(content->raw.size(), "byte")),
        structured);
    result.content.push_back(
        {{"type", "image"}, {"data", core::Base64Encode(content->raw)}, {"mimeType", mime}});
    return result;
  }
  Json text = Json(content->raw);
  const std::string body = text.dump(-1, ' ', false, Json::error_handler_t::replace);
  return mcp::ToolResult::Success(
      // The file's text as code: its own markup (links, HTML) reads as the text it is.
      fmt::format("{} ({}):\n\n{}", shown_name, shown_mime,
                  FencedCode(Json::parse(body).get<std::string>())),
      structured);
}

// RFC 7578 form data with one file part. The boundary is random so it cannot occur by chance.
std::string MultipartBody(const std::string& boundary, const std::string& filename,
                          const std::string& mime, const std::string& bytes) {
  std::string safe_name;
  for (const char c : filename) {
    safe_name += (c == '"' || c == '\r' || c == '\n' || c == '\\') ? '_' : c;
  }
  return fmt::format(
      "--{0}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{1}\"\r\n"
      "Content-Type: {2}\r\n\r\n{3}\r\n--{0}--\r\n",
      boundary, safe_name, mime, bytes);
}

core::Result<mcp::ToolResult> UploadAttachment(JiraClient& client, const Json& arguments,
                                               const mcp::CallContext& context) {
  const auto bytes = core::Base64Decode(StringArg(arguments, "content_base64"));
  if (!bytes) {
    return core::Status(core::Code::kInvalidArgument,
                        "`content_base64` is not valid base64 (standard alphabet, padded).");
  }
  if (bytes->size() > kMaxUpload) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("The file is {}; uploads are capped at {}.",
                                    Count(bytes->size(), "byte"), Count(kMaxUpload, "byte")));
  }
  const std::string mime = StringArg(arguments, "mime_type", "application/octet-stream");
  if (!IsMediaType(mime)) {
    return core::Status(core::Code::kInvalidArgument,
                        "`mime_type` must be a media type such as text/plain or image/png: a type "
                        "and a subtype of letters, digits and !#$&^_.+- joined by '/'.");
  }
  std::random_device random;
  const std::string boundary = fmt::format("jira-mcp-{:08x}{:08x}", random(), random());
  const std::string filename = StringArg(arguments, "filename");
  JiraRequest request =
      Request("POST", fmt::format("/rest/api/3/issue/{}/attachments", IssueKey(arguments)),
              WriteWork(), arguments);
  request.raw_body = MultipartBody(boundary, filename, mime, *bytes);
  request.raw_content_type = "multipart/form-data; boundary=" + boundary;
  // Jira's guard against cross-site form posts; required on this endpoint.
  request.headers.emplace_back("X-Atlassian-Token", "no-check");
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Uploading " + filename);
  }
  Json attachments = CompactValue(response->body.is_array() ? response->body : Json::array());
  if (attachments.empty()) {
    return core::Status(core::Code::kUnavailable,
                        "Jira accepted the upload but listed no attachment; list the issue's "
                        "attachments before uploading again.");
  }
  return mcp::ToolResult::Success(
      fmt::format("Attached {} ({}) as {}", PlainText(filename), Count(bytes->size(), "byte"),
                  ValueText(attachments[0].value("id", Json()))),
      {{"attachments", attachments}});
}

}  // namespace

std::vector<JiraTool> AttachmentTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_attachments", .toolset = "attachments", .http_methods = {"GET"}},
               "List attachments", "Files attached to an issue.", ReadOnly(), ReadWork(), client,
               ListAttachments),
      MakeTool({.name = "download_attachment", .toolset = "attachments", .http_methods = {"GET"}},
               "Download attachment", "An image or text attachment, up to max_bytes (1 MiB).",
               ReadOnly(), ReadWork(), client, DownloadAttachment),
      MakeTool({.name = "upload_attachment",
                .toolset = "attachments",
                .http_methods = {"POST"},
                .writes = true},
               "Upload attachment", "Attach a file (base64) to an issue.", Additive(), WriteWork(),
               client, UploadAttachment),
  };
}

}  // namespace tools
