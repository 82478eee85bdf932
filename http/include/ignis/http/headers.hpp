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
  bool empty() const noexcept { return text_.empty(); }
  void clear() noexcept { text_.clear(); }

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
    bool operator==(const iterator& o) const noexcept { return pos_ == o.pos_; }

   private:
    friend class ResponseHeaders;
    iterator(std::string_view text, std::size_t pos) noexcept : text_(text), pos_(pos) {}
    std::string_view text_;
    std::size_t pos_ = 0;
  };
  iterator begin() const noexcept { return {text_, 0}; }
  iterator end() const noexcept { return {text_, text_.size()}; }

  // Appends a field the caller knows to be valid (the framework's own constants).
  void append_trusted(std::string_view name, std::string_view value);

  // The fields as they go on the wire.
  std::string_view wire() const noexcept { return text_; }
  std::string& storage() noexcept { return text_; }

 private:
  std::string text_;
};

}  // namespace ignis
