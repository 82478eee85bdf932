#pragma once
// Header fields. Request headers are views into the connection's buffer; response
// headers are kept as the text they will be sent as ("Name: value\r\n" lines), so
// serializing them costs one copy of bytes already in order.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ignis {

// ASCII case-insensitive comparison, as header names need.
bool iequals(std::string_view a, std::string_view b) noexcept;

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

class RequestHeaders {
 public:
  RequestHeaders() = default;
  explicit RequestHeaders(std::span<const HeaderField> fields) noexcept : fields_(fields) {}

  // The first field with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  std::size_t count(std::string_view name) const noexcept;

  std::size_t size() const noexcept { return fields_.size(); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

 private:
  std::span<const HeaderField> fields_;
};

class ResponseHeaders {
 public:
  // Replaces every field with this name. Throws std::invalid_argument for a name that is
  // not a token or a value holding CR, LF or NUL (so no handler can split a response).
  void set(std::string_view name, std::string_view value);
  void append(std::string_view name, std::string_view value);
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  void erase(std::string_view name);
  bool empty() const noexcept { return text_.empty() && type_.empty(); }
  void clear() noexcept {
    text_.clear();
    type_ = {};
    type_in_line_ = false;
    framing_ = false;
  }

  class iterator {
   public:
    using value_type = HeaderField;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    HeaderField operator*() const noexcept;
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator it = *this;
      ++*this;
      return it;
    }
    bool operator==(const iterator& o) const noexcept { return pos_ == o.pos_ && on_type_ == o.on_type_; }

   private:
    friend class ResponseHeaders;
    iterator(const ResponseHeaders* h, std::size_t pos, bool on_type) noexcept : h_(h), pos_(pos), on_type_(on_type) {}
    const ResponseHeaders* h_ = nullptr;
    std::size_t pos_ = 0;
    bool on_type_ = false;
  };
  iterator begin() const noexcept { return {this, 0, !type_.empty()}; }
  iterator end() const noexcept { return {this, text_.size(), false}; }

  // Appends the fields as they go on the wire ("Name: value\r\n" each) to out.
  template <class Out>
  void write_to(Out& out) const {
    if (type_in_line_) {
      out.append({type_.data() - kTypeLinePrefix, type_.size() + kTypeLinePrefix + 2});
    } else if (!type_.empty()) {
      out.append("Content-Type: ");
      out.append(type_);
      out.append("\r\n");
    }
    out.append(text_);
  }

  // Removes Content-Length, Transfer-Encoding and Connection (the server's business),
  // at no cost when none was ever added.
  void remove_framing();

  // The framework's own Content-Type, a string literal: it needs no storage.
  void set_content_type_literal(std::string_view literal) noexcept {
    if (!text_.empty()) erase_named("content-type");
    type_ = literal;
    type_in_line_ = false;
  }
  // The same from a literal holding the whole field line, "Content-Type: <type>\r\n",
  // which then goes out in one piece.
  void set_content_type_line(std::string_view line) noexcept {
    if (!text_.empty()) erase_named("content-type");
    type_ = line.substr(kTypeLinePrefix, line.size() - kTypeLinePrefix - 2);
    type_in_line_ = true;
  }

  // Appends a field the caller knows to be valid (the framework's own fields), unchecked.
  void append_trusted(std::string_view name, std::string_view value);

  std::string& storage() noexcept { return text_; }

 private:
  void erase_named(std::string_view name);

  static constexpr std::size_t kTypeLinePrefix = 14;  // "Content-Type: "

  std::string text_;
  std::string_view type_;      // a literal Content-Type, kept apart from text_
  bool type_in_line_ = false;  // type_ lies within a literal "Content-Type: <type>\r\n"
  bool framing_ = false;       // a framing field may be in text_
};

}  // namespace ignis
