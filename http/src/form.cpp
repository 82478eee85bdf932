#include "ignis/http/form.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "ignis/http/crypto.hpp"
#include "ignis/http/error.hpp"
#include "ignis/http/multipart.hpp"
#include "ignis/http/request.hpp"
#include "ignis/router/url.hpp"
#include "multipart_parser.hpp"

namespace ignis {
namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string default_temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

// An unnamed file in `dir` (O_TMPFILE). Where the file system has no O_TMPFILE, a named
// temporary file whose name is returned in *named (the caller removes it).
int open_anonymous(const std::string& dir, std::string* named) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) throw_errno("open temporary file in " + dir);
  std::string name = dir + "/.ignis-" + crypto::random_token(9) + ".tmp";
  fd = ::open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + name);
  if (named) {
    *named = std::move(name);
  } else {
    ::unlink(name.c_str());  // nobody needs the name: the descriptor is enough
  }
  return fd;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Gives an unnamed (O_TMPFILE) file the name `path`, replacing what is there: linked under
// a fresh name in the same directory, then renamed over the target (atomic). False when
// the descriptor cannot be linked (another file system, or not an O_TMPFILE file).
bool link_into_place(int fd, const std::string& path) {
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::string temp = directory_of(path) + "/.ignis-" + crypto::random_token(9) + ".tmp";
    int linked = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW);
    if (linked != 0 && errno == ENOENT)  // no /proc: the privileged way, where it is allowed
      linked = ::linkat(fd, "", AT_FDCWD, temp.c_str(), AT_EMPTY_PATH);
    if (linked != 0) {
      if (errno == EEXIST) continue;
      if (errno == EXDEV || errno == ENOENT || errno == EPERM || errno == EOPNOTSUPP) return false;
      throw_errno("link " + path);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int e = errno;
      ::unlink(temp.c_str());
      throw std::system_error(e, std::generic_category(), "rename to " + path);
    }
    return true;
  }
  throw std::system_error(EEXIST, std::generic_category(), "link " + path);
}

bool storage_full(const std::system_error& e) {
  return e.code() == std::errc::no_space_on_device || e.code().value() == EDQUOT;
}

}  // namespace

// ------------------------------------------------------------------ AtomicFile

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) { fd_ = open_anonymous(directory_of(path_), &named_temp_); }

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)), named_temp_(std::move(o.named_temp_)), fd_(std::exchange(o.fd_, -1)), size_(o.size_) {
  o.named_temp_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!named_temp_.empty()) ::unlink(named_temp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error("AtomicFile: write after commit");
  write_all(fd_, bytes);
  size_ += bytes.size();
}

void AtomicFile::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFile: committed twice");
  if (!named_temp_.empty()) {
    if (::rename(named_temp_.c_str(), path_.c_str()) != 0) throw_errno("rename to " + path_);
    named_temp_.clear();
  } else if (!link_into_place(fd_, path_)) {
    // The unnamed file cannot be named here (no /proc, say): copy it to a named one.
    const std::string temp = directory_of(path_) + "/.ignis-" + crypto::random_token(9) + ".tmp";
    int out = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (out < 0) throw_errno("open " + temp);
    try {
      char buf[64 * 1024];
      for (std::uint64_t done = 0; done < size_;) {
        const ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_errno("read " + temp);
        write_all(out, {buf, static_cast<std::size_t>(n)});
        done += static_cast<std::uint64_t>(n);
      }
      if (::close(std::exchange(out, -1)) != 0) throw_errno("close " + temp);
      if (::rename(temp.c_str(), path_.c_str()) != 0) throw_errno("rename to " + path_);
    } catch (...) {
      if (out >= 0) ::close(out);
      ::unlink(temp.c_str());
      throw;
    }
  }
  ::close(std::exchange(fd_, -1));
}

// ------------------------------------------------------------------ UploadedFile

UploadedFile::UploadedFile(std::string field, std::string filename, std::string content_type) noexcept
    : field_(std::move(field)), filename_(std::move(filename)), content_type_(std::move(content_type)) {}

UploadedFile::UploadedFile(UploadedFile&& o) noexcept
    : field_(std::move(o.field_)),
      filename_(std::move(o.filename_)),
      content_type_(std::move(o.content_type_)),
      size_(o.size_),
      memory_(std::move(o.memory_)),
      fd_(std::exchange(o.fd_, -1)) {}

UploadedFile& UploadedFile::operator=(UploadedFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    field_ = std::move(o.field_);
    filename_ = std::move(o.filename_);
    content_type_ = std::move(o.content_type_);
    size_ = o.size_;
    memory_ = std::move(o.memory_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

UploadedFile::~UploadedFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string UploadedFile::read() const {
  if (fd_ < 0) return memory_;
  std::string out(size_, '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("read uploaded file");
    done += static_cast<std::size_t>(n);
  }
  return out;
}

void UploadedFile::save_as(const std::string& path) const {
  if (fd_ >= 0 && link_into_place(fd_, path)) return;
  AtomicFile out(path);
  if (fd_ < 0) {
    out.write(memory_);
  } else {
    char buf[64 * 1024];
    for (std::uint64_t done = 0; done < size_;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw_errno("read uploaded file");
      out.write({buf, static_cast<std::size_t>(n)});
      done += static_cast<std::uint64_t>(n);
    }
  }
  out.commit();
}

// ------------------------------------------------------------------ FormData

std::optional<std::string_view> FormData::get(std::string_view name) const noexcept {
  for (const FormField& f : fields_)
    if (f.name == name) return std::string_view(f.value);
  return std::nullopt;
}

std::vector<std::string_view> FormData::get_all(std::string_view name) const {
  std::vector<std::string_view> all;
  for (const FormField& f : fields_)
    if (f.name == name) all.emplace_back(f.value);
  return all;
}

bool FormData::has(std::string_view name) const noexcept { return get(name) || file(name); }

const UploadedFile* FormData::file(std::string_view name) const noexcept {
  for (const UploadedFile& f : files_)
    if (f.field_name() == name) return &f;
  return nullptr;
}

std::optional<std::string> safe_filename(std::string_view client_name) {
  const std::size_t slash = client_name.find_last_of("/\\");
  std::string_view name = slash == std::string_view::npos ? client_name : client_name.substr(slash + 1);
  if (name.empty() || name.size() > 255 || name.front() == '.') return std::nullopt;
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return std::nullopt;
  return std::string(name);
}

// ------------------------------------------------------------------ Request::form_data

namespace detail {

// Builds a FormData; friends with it and UploadedFile, so their constructors stay private.
struct FormBuilder {
  const FormOptions& options;
  FormData form;
  std::size_t memory = 0;  // bytes of text fields and in-memory files
  std::string temp_dir = options.temp_dir.empty() ? default_temp_dir() : options.temp_dir;

  void add_field(std::string_view name, std::string_view value) {
    if (form.fields_.size() + form.files_.size() >= options.max_parts) throw HttpError(413, "Too many parts");
    if (value.size() > options.max_field_bytes) throw HttpError(413, "Field too large");
    memory += name.size() + value.size();
    if (memory > options.max_memory_bytes) throw HttpError(413, "Form too large");
    form.fields_.push_back({std::string(name), std::string(value)});
  }

  UploadedFile& add_file(const MultipartPart& part) {
    form.files_.push_back(UploadedFile(std::string(part.name), std::string(part.filename), std::string(part.content_type)));
    return form.files_.back();
  }

  // Past the threshold (or the memory budget), the file moves to disk.
  void append(UploadedFile& f, std::string_view piece) {
    f.size_ += piece.size();
    if (f.fd_ < 0) {
      if (f.memory_.size() + piece.size() <= options.memory_threshold && memory + piece.size() <= options.max_memory_bytes) {
        f.memory_.append(piece);
        memory += piece.size();
        return;
      }
      f.fd_ = open_anonymous(temp_dir, nullptr);
      write_all(f.fd_, f.memory_);
      memory -= f.memory_.size();
      std::string().swap(f.memory_);
    }
    write_all(f.fd_, piece);
  }

  // application/x-www-form-urlencoded: name=value pairs, percent-decoded, '+' as space.
  void add_urlencoded(std::string_view body) {
    while (!body.empty()) {
      const std::size_t amp = body.find('&');
      const std::string_view pair = body.substr(0, amp);
      body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      const std::string name = url::decode(pair.substr(0, eq), true);
      const std::string value = eq == std::string_view::npos ? std::string() : url::decode(pair.substr(eq + 1), true);
      add_field(name, value);
    }
  }
};

}  // namespace detail

Task<FormData> Request::form_data(FormOptions options) {
  const std::string_view content_type = headers().get("content-type").value_or("");
  detail::FormBuilder builder{options, {}};
  switch (detail::classify_content_type(content_type)) {
    case detail::MultipartType::other: throw HttpError(415, "Unsupported media type");
    case detail::MultipartType::urlencoded: {
      std::string_view body = co_await text();
      if (body.size() > options.max_total_bytes) throw HttpError(413, "Payload too large");
      builder.add_urlencoded(body);
      co_return std::move(builder.form);
    }
    case detail::MultipartType::form_data: break;
  }
  MultipartReader reader(*this, options);
  try {
    while (const MultipartPart* part = co_await reader.next()) {
      if (!part->is_file) {
        const std::string name(part->name);
        std::string_view value = co_await reader.text();
        builder.add_field(name, value);
        continue;
      }
      UploadedFile& file = builder.add_file(*part);
      for (;;) {
        std::string_view piece = co_await reader.read();
        if (piece.empty()) break;
        builder.append(file, piece);
      }
    }
  } catch (const std::system_error& e) {
    if (storage_full(e)) throw HttpError(507, "Insufficient storage");
    throw;
  }
  co_return std::move(builder.form);
}

}  // namespace ignis
