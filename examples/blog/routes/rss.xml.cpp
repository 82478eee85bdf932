#include <ctime>

#include "routes.hpp"

namespace blog::rss {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// RSS wants RFC 822 dates: "2026-12-06T10:43:34.123Z" -> "Sun, 06 Dec 2026 10:43:34 GMT".
std::string rfc822(const std::string& iso) {
  std::tm tm{};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return format_http_date(timegm(&tm));
}

}  // namespace

// The 20 newest posts as an RSS 2.0 feed.
Task<Response> GET(Request& req) {
  auto posts = co_await offload([] { return blog().posts.page(1, 20); });
  const std::string site = escape("http://" + std::string(req.headers().get("host").value_or("localhost")));
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Blog</title><link>" +
                    site + "/</link><description>The newest posts</description>";
  for (const Post& p : posts) {
    const std::string link = site + "/api/posts/" + std::to_string(p.id);
    xml += "<item><title>" + escape(p.title) + "</title><link>" + link + "</link><guid>" + link + "</guid><pubDate>" +
           rfc822(p.created_at) + "</pubDate><description>" + escape(p.content) + "</description></item>";
  }
  xml += "</channel></rss>\n";
  auto res = Response::text(std::move(xml));
  res.headers().set("Content-Type", "application/rss+xml; charset=utf-8");
  co_return res;
}

}  // namespace blog::rss
