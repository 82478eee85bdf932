// The multipart/form-data parser: well-formed bodies cut into pieces at every position,
// malformed boundaries and part heads, Content-Type parsing, and random bodies checked
// against a simple whole-buffer reference parser.

#include <gtest/gtest.h>

#include <ignis/http/form.hpp>

#include <random>
#include <string>
#include <vector>

#include "multipart_parser.hpp"

using ignis::detail::MultipartParser;

namespace {

struct Part {
  std::string name, filename, content_type, data;
  bool has_filename = false;
  bool operator==(const Part&) const = default;
};

struct Outcome {
  std::vector<Part> parts;
  bool done = false;
  MultipartParser::Error error = MultipartParser::Error::none;
};

// Feeds `body` in pieces whose lengths come from `cut` (0 means "the rest").
template <class Cut>
Outcome run(std::string_view boundary, std::string_view body, Cut cut) {
  MultipartParser p(boundary, 1024);
  Outcome out;
  std::size_t at = 0;
  std::string piece;  // a copy, so a view kept past its piece would show up under ASan
  bool in_part = false;
  for (;;) {
    switch (p.next()) {
      case MultipartParser::Event::need_more: {
        if (at == body.size()) {
          p.finish();
          break;
        }
        std::size_t n = cut(body.size() - at);
        if (n == 0 || n > body.size() - at) n = body.size() - at;
        piece.assign(body.substr(at, n));
        at += n;
        p.feed(piece);
        break;
      }
      case MultipartParser::Event::part_begin:
        EXPECT_FALSE(in_part);
        in_part = true;
        out.parts.push_back({std::string(p.name()), std::string(p.filename()), std::string(p.content_type()), "",
                             p.has_filename()});
        break;
      case MultipartParser::Event::data:
        EXPECT_TRUE(in_part);
        EXPECT_FALSE(p.data().empty());
        out.parts.back().data.append(p.data());
        break;
      case MultipartParser::Event::part_end:
        EXPECT_TRUE(in_part);
        in_part = false;
        break;
      case MultipartParser::Event::done:
        EXPECT_FALSE(in_part);
        out.done = true;
        return out;
      case MultipartParser::Event::error:
        out.error = p.error();
        return out;
    }
  }
}

Outcome run_whole(std::string_view boundary, std::string_view body) {
  return run(boundary, body, [](std::size_t) { return 0; });
}

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string form_body(const std::vector<Part>& parts, std::string_view boundary = kBoundary) {
  std::string b;
  for (const Part& p : parts) {
    b += "--" + std::string(boundary) + "\r\n";
    b += "Content-Disposition: form-data; name=\"" + p.name + "\"";
    if (p.has_filename) b += "; filename=\"" + p.filename + "\"";
    b += "\r\n";
    if (!p.content_type.empty()) b += "Content-Type: " + p.content_type + "\r\n";
    b += "\r\n" + p.data + "\r\n";
  }
  b += "--" + std::string(boundary) + "--\r\n";
  return b;
}

const std::vector<Part> kSample = {
    {"name", "", "", "Ada Lovelace", false},
    {"file", "notes.txt", "text/plain", "line 1\r\nline 2\r\n--not a boundary\r\n\r--", true},
    {"empty", "", "", "", false},
    {"bin", "b.bin", "application/octet-stream", std::string("\r\n--\0\xff\r\r\n-", 11), true},
};

TEST(Multipart, ParsesAWholeBody) {
  const Outcome o = run_whole(kBoundary, form_body(kSample));
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.parts, kSample);
}

TEST(Multipart, ParsesTheSameWhateverThePieces) {
  const std::string body = form_body(kSample);
  // Every single cut point, and one byte at a time.
  for (std::size_t first = 1; first < body.size(); ++first) {
    bool used = false;
    const Outcome o = run(kBoundary, body, [&](std::size_t) {
      if (used) return std::size_t{0};
      used = true;
      return first;
    });
    ASSERT_TRUE(o.done) << first;
    ASSERT_EQ(o.parts, kSample) << first;
  }
  const Outcome bytes = run(kBoundary, body, [](std::size_t) { return std::size_t{1}; });
  EXPECT_TRUE(bytes.done);
  EXPECT_EQ(bytes.parts, kSample);
}

TEST(Multipart, PreambleEpiloguePaddingAndQuirks) {
  std::string body = "This is the preamble.\r\n--" + kBoundary + "  \t\r\n" +
                     "content-disposition: FORM-DATA; NAME=field; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n"
                     "X-Other: ignored\r\n\r\nvalue\r\n--" +
                     kBoundary + "--  trailing epilogue\r\nmore epilogue";
  const Outcome o = run_whole(kBoundary, body);
  ASSERT_TRUE(o.done);
  ASSERT_EQ(o.parts.size(), 1u);
  EXPECT_EQ(o.parts[0].name, "field");
  EXPECT_EQ(o.parts[0].filename, "\xE2\x82\xAC rates.txt");
  EXPECT_TRUE(o.parts[0].has_filename);
  EXPECT_EQ(o.parts[0].data, "value");
  // Quoted-pair escapes and an empty filename (an empty file input).
  const Outcome q = run_whole(
      "b", "--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"\"\r\n\r\n\r\n--b--");
  ASSERT_TRUE(q.done);
  EXPECT_EQ(q.parts[0].name, "a\"b");
  EXPECT_TRUE(q.parts[0].has_filename);
  EXPECT_EQ(q.parts[0].filename, "");
  // No parts at all.
  EXPECT_TRUE(run_whole("b", "--b--").done);
}

TEST(Multipart, RejectsMalformedBodies) {
  using E = MultipartParser::Error;
  struct Case {
    std::string body;
    E error;
  };
  const std::string ok_head = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n";
  const std::vector<Case> cases = {
      {"", E::unexpected_end},
      {"no boundary here", E::unexpected_end},
      {"--b", E::unexpected_end},
      {"--bX\r\n", E::malformed},                   // the boundary runs on
      {"--b\n", E::malformed},                      // LF without CR after the boundary
      {"--b -\r\n", E::malformed},                  // junk in the padding
      {"--b-x", E::malformed},                      // a single dash
      {ok_head + "data", E::unexpected_end},         // no closing boundary
      {ok_head + "data\r\n--b", E::unexpected_end},  // the body ends inside the delimiter line
      {"--b\r\n\r\ndata\r\n--b--", E::malformed},   // no Content-Disposition
      {"--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--", E::malformed},
      {"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", E::malformed},                  // no name
      {"--b\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\nx\r\n--b--", E::malformed},  // no name
      {"--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--", E::malformed},        // unterminated quote
      {"--b\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--b--", E::malformed},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nx\r\n--b--", E::malformed},  // bare LF
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n folded\r\n\r\nx\r\n--b--", E::malformed},
      {"--b\r\nNo colon here\r\n\r\nx\r\n--b--", E::malformed},
      {"--b\r\nBad Name: v\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--", E::malformed},
      {"--b\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n\r\nx\r\n--b--",
       E::malformed},
      {"--b\r\nX-Long: " + std::string(2000, 'h') + "\r\n\r\n", E::head_too_large},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n", E::unexpected_end},
  };
  for (const Case& c : cases) {
    const Outcome o = run_whole("b", c.body);
    EXPECT_FALSE(o.done) << c.body;
    EXPECT_EQ(o.error, c.error) << c.body;
    const Outcome bytes = run("b", c.body, [](std::size_t) { return std::size_t{1}; });
    EXPECT_EQ(bytes.error, c.error) << "byte by byte: " << c.body;
  }
}

TEST(Multipart, ContentTypeAndBoundary) {
  using ignis::detail::classify_content_type;
  using ignis::detail::form_data_boundary;
  using ignis::detail::MultipartType;
  EXPECT_EQ(classify_content_type("multipart/form-data; boundary=x"), MultipartType::form_data);
  EXPECT_EQ(classify_content_type("Multipart/Form-Data ;boundary=x"), MultipartType::form_data);
  EXPECT_EQ(classify_content_type("application/x-www-form-urlencoded; charset=UTF-8"), MultipartType::urlencoded);
  EXPECT_EQ(classify_content_type("application/json"), MultipartType::other);
  EXPECT_EQ(classify_content_type(""), MultipartType::other);
  std::string b;
  EXPECT_TRUE(form_data_boundary("multipart/form-data; boundary=" + kBoundary, b));
  EXPECT_EQ(b, kBoundary);
  EXPECT_TRUE(form_data_boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"with space\"", b));
  EXPECT_EQ(b, "with space");
  for (std::string_view bad :
       {"multipart/form-data", "multipart/form-data;", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"ends with space \"", "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; boundary=bad\x01", "multipart/form-data; boundary=a\"b\"",
        "multipart/form-data; boundary=\"cr\\\r\"",
        "multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890"})
    EXPECT_FALSE(form_data_boundary(bad, b)) << bad;
}

// A whole-buffer reference: split on the delimiter with find(), then read each part.
Outcome reference(std::string_view boundary, std::string_view body) {
  Outcome out;
  const std::string delim = "\r\n--" + std::string(boundary);
  const std::string text = "\r\n" + std::string(body);
  std::size_t at = text.find(delim);
  if (at == std::string::npos) return out;
  at += delim.size();
  for (;;) {
    if (text.compare(at, 2, "--") == 0) {
      out.done = true;
      return out;
    }
    if (text.compare(at, 2, "\r\n") != 0) return out;
    const std::size_t head_end = text.find("\r\n\r\n", at);
    if (head_end == std::string::npos) return out;
    const std::string head = text.substr(at + 2, head_end - at - 2);
    const std::size_t name = head.find("name=\"");
    if (name == std::string::npos) return out;
    Part p;
    p.name = head.substr(name + 6, head.find('"', name + 6) - name - 6);
    const std::size_t next = text.find(delim, head_end + 4);
    if (next == std::string::npos) return out;
    p.data = text.substr(head_end + 4, next - head_end - 4);
    out.parts.push_back(p);
    at = next + delim.size();
  }
}

TEST(Multipart, RandomBodiesMatchTheReference) {
  std::mt19937_64 rng(99);
  const std::string boundary = "XyZ";
  // Content made of near-misses: CR, LF, dashes, partial boundaries.
  const std::vector<std::string> bits = {"\r", "\n", "-", "--", "\r\n", "\r\n-", "\r\n--", "\r\n--X", "\r\n--Xy",
                                         "X", "yZ", "a", "\0", "\xff"};
  for (int round = 0; round < 3000; ++round) {
    std::vector<Part> parts;
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k) {
      Part p{"f" + std::to_string(k), "", "", "", false};
      for (int j = 0, m = static_cast<int>(rng() % 12); j < m; ++j) p.data += bits[rng() % bits.size()];
      parts.push_back(p);
    }
    // A sender picks a boundary its content does not contain; so does this test.
    bool clash = false;
    for (const Part& p : parts) clash |= p.data.find("\r\n--" + boundary) != std::string::npos;
    if (clash) continue;
    const std::string body = form_body(parts, boundary);
    const Outcome expected = reference(boundary, body);
    ASSERT_TRUE(expected.done);
    const Outcome got = run(boundary, body, [&](std::size_t left) { return 1 + rng() % std::min<std::size_t>(left, 9); });
    ASSERT_TRUE(got.done) << ::testing::PrintToString(body);
    ASSERT_EQ(got.parts.size(), expected.parts.size());
    for (std::size_t i = 0; i < got.parts.size(); ++i) ASSERT_EQ(got.parts[i].data, expected.parts[i].data);
    ASSERT_EQ(got.parts.size(), parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) ASSERT_EQ(got.parts[i].data, parts[i].data);
  }
  // Random bytes, damaged bodies: the parser ends with done or an error, never anything else.
  for (int round = 0; round < 3000; ++round) {
    std::string body = form_body(kSample, boundary);
    for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) {
      const std::size_t at = rng() % body.size();
      if (rng() % 2)
        body.insert(at, bits[rng() % bits.size()]);
      else
        body.erase(at, 1 + rng() % 5);
    }
    const Outcome o = run(boundary, body, [&](std::size_t left) { return 1 + rng() % std::min<std::size_t>(left, 17); });
    EXPECT_TRUE(o.done || o.error != MultipartParser::Error::none);
  }
}

TEST(Form, SafeFilenames) {
  using ignis::safe_filename;
  EXPECT_EQ(safe_filename("report.pdf"), "report.pdf");
  EXPECT_EQ(safe_filename("C:\\Users\\ada\\report.pdf"), "report.pdf");
  EXPECT_EQ(safe_filename("../../etc/passwd"), "passwd");
  EXPECT_EQ(safe_filename("/abs/path/x"), "x");
  EXPECT_EQ(safe_filename("\xC3\xA9t\xC3\xA9.txt"), "\xC3\xA9t\xC3\xA9.txt");
  for (std::string_view bad : std::initializer_list<std::string_view>{"", ".", "..", "dir/", "../..", ".hidden", "a\nb", std::string_view("a\0b", 3)})
    EXPECT_FALSE(safe_filename(bad)) << ::testing::PrintToString(std::string(bad));
  EXPECT_FALSE(safe_filename(std::string(256, 'a')));
}

}  // namespace
