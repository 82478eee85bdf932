#include "ignis/http/file.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "ignis/http/request.hpp"
#include "ignis/http/stream.hpp"

namespace ignis {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only; values past 2^64-1 saturate (a huge start is simply past the end).
std::optional<std::uint64_t> parse_digits(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range) return UINT64_MAX;
  return v;
}

// The body of a file response: `length` bytes from `offset`, with sendfile.
class FileProducer final : public detail::BodyProducer {
 public:
  FileProducer(File file, std::uint64_t offset, std::uint64_t count) : file_(std::move(file)), offset_(offset) {
    length = count;
  }
  Task<void> produce(StreamWriter& out) override { co_await out.write_file(file_.fd(), offset_, *length); }

 private:
  File file_;
  std::uint64_t offset_;
};

std::string make_etag(const File& f) {
  const timespec m = f.modified();
  const auto ns = static_cast<std::uint64_t>(m.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(m.tv_nsec);
  char a[20], b[20];
  const auto ea = std::to_chars(a, a + sizeof a, ns, 16).ptr;
  const auto eb = std::to_chars(b, b + sizeof b, f.size(), 16).ptr;
  std::string tag = "\"";
  tag.append(a, ea);
  tag += '-';
  tag.append(b, eb);
  tag += '"';
  return tag;
}

// If-None-Match: a list of entity tags (weak comparison) or "*".
bool none_match_hits(std::string_view header, std::string_view etag) noexcept {
  header = trim(header);
  if (header == "*") return true;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view tag = trim(header.substr(0, comma));
    if (tag.size() > 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

Response error(int status, std::string_view message) { return Response::json({{"error", message}}, {.status = status}); }

}  // namespace

// ------------------------------------------------------------------------------ File

File File::open(std::string_view path) {
  if (path.empty() || path.find('\0') != std::string_view::npos) return failed(EINVAL, true);
  std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return failed(errno);
  return adopt(fd, path);
}

File File::adopt(int fd, std::string_view name) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return failed(e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return failed(S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  File f;
  f.fd_ = fd;
  f.error_ = 0;
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  f.mtime_ = st.st_mtim;
  f.content_type_ = content_type_for(name);
  return f;
}

File::File(File&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      error_(o.error_),
      refused_(o.refused_),
      size_(o.size_),
      mtime_(o.mtime_),
      content_type_(o.content_type_) {}

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    error_ = o.error_;
    refused_ = o.refused_;
    size_ = o.size_;
    mtime_ = o.mtime_;
    content_type_ = o.content_type_;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

// ------------------------------------------------------------------------------ FileRoot

FileRoot::FileRoot(std::string_view directory) : path_(directory) {
  dirfd_ = ::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd_ < 0) throw std::system_error(errno, std::generic_category(), "FileRoot: " + path_);
  if (char* real = ::realpath(path_.c_str(), nullptr)) {
    real_path_ = real;
    std::free(real);
  }
}

FileRoot::FileRoot(FileRoot&& o) noexcept
    : dirfd_(std::exchange(o.dirfd_, -1)), path_(std::move(o.path_)), real_path_(std::move(o.real_path_)) {}

FileRoot& FileRoot::operator=(FileRoot&& o) noexcept {
  if (this != &o) {
    if (dirfd_ >= 0) ::close(dirfd_);
    dirfd_ = std::exchange(o.dirfd_, -1);
    path_ = std::move(o.path_);
    real_path_ = std::move(o.real_path_);
  }
  return *this;
}

FileRoot::~FileRoot() {
  if (dirfd_ >= 0) ::close(dirfd_);
}

bool FileRoot::acceptable(std::string_view relative) noexcept {
  if (relative.empty() || relative.size() > PATH_MAX || relative.front() == '/') return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = relative.find('/', start);
    std::string_view seg = relative.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    for (char c : seg) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || c == '\\') return false;
    }
    // Still-encoded separators or dots mean a double-encoded name: nobody's real file.
    for (std::size_t i = 0; i + 2 < seg.size(); ++i) {
      if (seg[i] != '%') continue;
      const char a = seg[i + 1], b = lower(seg[i + 2]);
      if ((a == '2' && (b == 'f' || b == 'e')) || (a == '5' && b == 'c') || (a == '0' && b == '0')) return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

File FileRoot::open(std::string_view relative) const {
  if (!acceptable(relative)) return File::failed(EINVAL, true);
  std::string rel(relative);
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, dirfd_, rel.c_str(), &how, sizeof how);
  if (fd >= 0) return File::adopt(static_cast<int>(fd), relative);
  const int e = errno;
  if (e == EXDEV) return File::failed(e, true);  // it would have left the directory
  if (e != ENOSYS) return File::failed(e);

  // No openat2: resolve, then check that the result is still beneath the directory.
  std::string full = path_ + "/" + rel;
  char* real = ::realpath(full.c_str(), nullptr);
  if (!real) return File::failed(errno);
  std::string resolved(real);
  std::free(real);
  if (real_path_.empty() || resolved.size() <= real_path_.size() || resolved.compare(0, real_path_.size(), real_path_) != 0 ||
      resolved[real_path_.size()] != '/')
    return File::failed(EXDEV, true);
  int fd2 = ::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (fd2 < 0) return File::failed(errno);
  return File::adopt(fd2, relative);
}

// ------------------------------------------------------------------------------ helpers

std::string_view content_type_for(std::string_view path) noexcept {
  const std::size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == path.size()) return "application/octet-stream";
  std::array<char, 8> ext{};
  const std::string_view raw = path.substr(dot + 1);
  if (raw.size() > ext.size()) return "application/octet-stream";
  for (std::size_t i = 0; i < raw.size(); ++i) ext[i] = lower(raw[i]);
  const std::string_view e(ext.data(), raw.size());
  struct Entry {
    std::string_view ext, type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"rss", "application/rss+xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"wasm", "application/wasm"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
  };
  for (const Entry& t : kTypes)
    if (t.ext == e) return t.type;
  return "application/octet-stream";
}

std::string content_disposition(std::string_view filename, bool attachment) {
  std::string out = attachment ? "attachment; filename=\"" : "inline; filename=\"";
  bool exact = true;
  for (char c : filename) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      out += '_';
      exact = false;
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  out += '"';
  if (!exact) {
    // RFC 5987: attr-char stays, everything else is %XX of the UTF-8 bytes.
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "; filename*=UTF-8''";
    for (char c : filename) {
      const auto u = static_cast<unsigned char>(c);
      const bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
      if (attr_char) {
        out += c;
      } else {
        out += '%';
        out += kHex[u >> 4];
        out += kHex[u & 15];
      }
    }
  }
  return out;
}

RangeStatus parse_range(std::string_view header, std::uint64_t size, ByteRange& out) noexcept {
  header = trim(header);
  if (header.size() < 6) return RangeStatus::ignored;
  for (std::size_t i = 0; i < 6; ++i)
    if (lower(header[i]) != "bytes="[i]) return RangeStatus::ignored;
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return RangeStatus::ignored;  // several: the whole file
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeStatus::ignored;
  const std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  if (a.empty()) {  // -n: the last n bytes
    auto n = parse_digits(b);
    if (!n) return RangeStatus::ignored;
    if (*n == 0 || size == 0) return RangeStatus::unsatisfiable;
    out.first = *n >= size ? 0 : size - *n;
    out.last = size - 1;
    return RangeStatus::satisfiable;
  }
  auto first = parse_digits(a);
  if (!first) return RangeStatus::ignored;
  std::uint64_t last = UINT64_MAX;
  if (!b.empty()) {
    auto l = parse_digits(b);
    if (!l || *l < *first) return RangeStatus::ignored;
    last = *l;
  }
  if (*first >= size) return RangeStatus::unsatisfiable;
  out.first = *first;
  out.last = last >= size ? size - 1 : last;
  return RangeStatus::satisfiable;
}

std::string format_http_date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view s) noexcept {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  s = trim(s);
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
    return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const std::size_t month = kMonths.find(s.substr(8, 3));
  const int day = num(5, 2), year = num(12, 4), hour = num(17, 2), minute = num(20, 2), second = num(23, 2);
  if (month == std::string_view::npos || month % 3 != 0 || day < 1 || day > 31 || year < 1970 || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(month / 3);
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return ::timegm(&tm);
}

// ------------------------------------------------------------------------------ Response::file

Response Response::file(const Request& req, std::string_view path) { return file(req, File::open(path), FileOptions{}); }

Response Response::file(const Request& req, std::string_view path, const FileOptions& options) {
  return file(req, File::open(path), options);
}

Response Response::file(const Request& req, File f) { return file(req, std::move(f), FileOptions{}); }

Response Response::file(const Request& req, File f, const FileOptions& options) {
  if (!f) return f.refused() ? error(400, "Invalid file name") : error(404, "File not found");

  const std::uint64_t size = f.size();
  const std::string etag = make_etag(f);
  const std::string last_modified = format_http_date(f.modified().tv_sec);
  std::string disposition;
  if (options.download_name) disposition = content_disposition(*options.download_name);

  auto with_validators = [&](Response& r) {
    r.headers_.append_trusted("ETag", etag);
    r.headers_.append_trusted("Last-Modified", last_modified);
    if (!options.cache_control.empty()) r.headers_.set("Cache-Control", options.cache_control);
    for (const auto& [name, value] : options.headers) r.headers_.set(name, value);
  };

  const RequestHeaders& h = req.headers();
  const bool read_method = req.method() == Method::GET || req.method() == Method::HEAD;
  if (options.conditional && read_method) {
    bool not_modified = false;
    if (auto inm = h.get("if-none-match")) {
      not_modified = none_match_hits(*inm, etag);
    } else if (auto ims = h.get("if-modified-since")) {
      auto since = parse_http_date(*ims);
      not_modified = since && f.modified().tv_sec <= *since;
    }
    if (not_modified) {
      Response r = Response::empty(304);
      with_validators(r);
      return r;
    }
  }

  std::uint64_t offset = 0, count = size;
  int status = 200;
  std::string content_range;
  if (options.ranges && read_method) {
    auto range = h.get("range");
    if (range) {
      // If-Range: the range only holds for the version the client has (strong comparison).
      if (auto if_range = h.get("if-range"); if_range && trim(*if_range) != etag) {
        auto date = parse_http_date(*if_range);
        if (!date || *date != f.modified().tv_sec) range.reset();
      }
    }
    ByteRange br;
    const RangeStatus rs = range ? parse_range(*range, size, br) : RangeStatus::ignored;
    if (rs == RangeStatus::unsatisfiable) {
      Response r = error(416, "Range not satisfiable");
      r.headers_.append_trusted("Content-Range", "bytes */" + std::to_string(size));
      with_validators(r);
      return r;
    }
    if (rs == RangeStatus::satisfiable) {
      status = 206;
      offset = br.first;
      count = br.last - br.first + 1;
      content_range = "bytes " + std::to_string(br.first) + "-" + std::to_string(br.last) + "/" + std::to_string(size);
    }
  }

  Response r = with_type(options.content_type.empty() ? f.content_type() : options.content_type, {});
  r.set_status(status);
  if (options.ranges) r.headers_.append_trusted("Accept-Ranges", "bytes");
  if (!content_range.empty()) r.headers_.append_trusted("Content-Range", content_range);
  if (!disposition.empty()) r.headers_.append_trusted("Content-Disposition", disposition);
  with_validators(r);
  r.producer_ = std::make_unique<FileProducer>(std::move(f), offset, count);
  return r;
}

}  // namespace ignis
