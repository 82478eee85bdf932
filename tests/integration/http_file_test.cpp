// File responses over real sockets: whole files, byte-exact ranges, 416, conditional
// requests, HEAD, Content-Disposition, and names that try to leave the directory.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ignis/http/app.hpp>
#include <ignis/http/file.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::RawClient;
using ignis::testing::request;
using ignis::testing::TestServer;
namespace fs = std::filesystem;

namespace {

// base/            served
//   data.bin       100,000 pseudo-random bytes
//   notes.txt      "hello notes\n"
//   sub/inner.txt  "inner\n"
//   empty.txt      0 bytes
//   big.bin        20 MiB
//   link-in        -> notes.txt
//   link-out       -> ../secret.txt
// secret.txt       must never be served
class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ignis-file-test-XXXXXX";
    ASSERT_TRUE(::mkdtemp(tmpl));
    top_ = tmpl;
    base_ = top_ / "base";
    fs::create_directories(base_ / "sub");
    std::mt19937 rng(42);
    data_.resize(100000);
    for (char& c : data_) c = static_cast<char>(rng());
    write(base_ / "data.bin", data_);
    write(base_ / "notes.txt", "hello notes\n");
    write(base_ / "sub" / "inner.txt", "inner\n");
    write(base_ / "empty.txt", "");
    big_.resize(20u << 20);
    for (std::size_t i = 0; i < big_.size(); i += 4096) big_[i] = static_cast<char>(rng());
    write(base_ / "big.bin", big_);
    write(top_ / "secret.txt", "TOP SECRET\n");
    fs::create_symlink("notes.txt", base_ / "link-in");
    fs::create_symlink("../secret.txt", base_ / "link-out");

    root_ = std::make_unique<FileRoot>(base_.string());
    app_.route("/files/[...path]").GET([this](Request& req, RouteContext& ctx) -> Task<Response> {
      co_return Response::file(req, root_->open(ctx.params.get("path")));
    });
    app_.route("/download/[name]").GET([this](Request& req, RouteContext& ctx) -> Task<Response> {
      auto name = ctx.params.get("name");
      co_return Response::file(req, root_->open(name), {.download_name = name});
    });
    app_.route("/plain").GET([](Request&) -> Task<Response> { co_return Response::text("plain"); });
    server_ = std::make_unique<TestServer>(app_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(top_);
  }
  static void write(const fs::path& p, std::string_view content) {
    std::ofstream f(p, std::ios::binary);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  std::optional<ignis::testing::HttpResponse> get(std::string_view target, std::string_view headers = {}) {
    return request(server_->port(), "GET", target, headers);
  }

  fs::path top_, base_;
  std::string data_, big_;
  std::unique_ptr<FileRoot> root_;
  App app_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(FileTest, WholeFileWithHeaders) {
  auto res = get("/files/data.bin");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, data_);
  EXPECT_EQ(res->header("content-length"), "100000");
  EXPECT_EQ(res->header("content-type"), "application/octet-stream");
  EXPECT_EQ(res->header("accept-ranges"), "bytes");
  EXPECT_TRUE(res->header("etag"));
  EXPECT_TRUE(res->header("last-modified"));
  EXPECT_FALSE(res->header("content-disposition"));
  auto txt = get("/files/notes.txt");
  EXPECT_EQ(txt->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(txt->body, "hello notes\n");
  EXPECT_EQ(get("/files/sub/inner.txt")->body, "inner\n");
  EXPECT_EQ(get("/files/link-in")->body, "hello notes\n");
  auto empty = get("/files/empty.txt");
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->header("content-length"), "0");
  EXPECT_EQ(empty->body, "");
}

TEST_F(FileTest, LargeFileIsByteExactAndConnectionStaysUsable) {
  RawClient c(server_->port(), std::chrono::seconds(20));
  c.send("GET /files/big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->body.size(), big_.size());
  EXPECT_TRUE(res->body == big_);
  c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response()->body, "plain");
}

TEST_F(FileTest, DownloadNameSetsContentDisposition) {
  auto res = get("/download/notes.txt");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("content-disposition"), "attachment; filename=\"notes.txt\"");
  EXPECT_EQ(res->body, "hello notes\n");
}

TEST_F(FileTest, SingleRangesAreByteExact) {
  struct Case {
    std::string range;
    std::size_t first, last;
  };
  const Case cases[] = {
      {"bytes=0-99", 0, 99},         {"bytes=100-", 100, 99999},   {"bytes=-500", 99500, 99999},
      {"bytes=5-5", 5, 5},           {"bytes=99990-999999", 99990, 99999}, {"bytes=-200000", 0, 99999},
      {"bytes= 10 - 19", 10, 19},    {"BYTES=1-2", 1, 2},
  };
  for (const Case& k : cases) {
    auto res = get("/files/data.bin", "Range: " + k.range + "\r\n");
    ASSERT_TRUE(res) << k.range;
    EXPECT_EQ(res->status, 206) << k.range;
    EXPECT_EQ(res->body, data_.substr(k.first, k.last - k.first + 1)) << k.range;
    EXPECT_EQ(res->header("content-length"), std::to_string(k.last - k.first + 1)) << k.range;
    EXPECT_EQ(res->header("content-range"),
              "bytes " + std::to_string(k.first) + "-" + std::to_string(k.last) + "/100000")
        << k.range;
  }
}

TEST_F(FileTest, UnsatisfiableRangeIs416) {
  for (std::string range : {"bytes=100000-", "bytes=200000-300000", "bytes=-0"}) {
    auto res = get("/files/data.bin", "Range: " + range + "\r\n");
    ASSERT_TRUE(res) << range;
    EXPECT_EQ(res->status, 416) << range;
    EXPECT_EQ(res->header("content-range"), "bytes */100000") << range;
    EXPECT_EQ(res->body, R"({"error":"Range not satisfiable"})") << range;
  }
  auto empty = get("/files/empty.txt", "Range: bytes=0-\r\n");
  EXPECT_EQ(empty->status, 416);
  EXPECT_EQ(empty->header("content-range"), "bytes */0");
}

TEST_F(FileTest, SeveralOrMalformedRangesGetTheWholeFile) {
  for (std::string range : {"bytes=0-1,5-6", "bytes=abc", "items=0-5", "bytes=9-3", "bytes=--5", "bytes="}) {
    auto res = get("/files/data.bin", "Range: " + range + "\r\n");
    ASSERT_TRUE(res) << range;
    EXPECT_EQ(res->status, 200) << range;
    EXPECT_EQ(res->body.size(), data_.size()) << range;
    EXPECT_FALSE(res->header("content-range")) << range;
  }
}

TEST_F(FileTest, ConditionalRequestsGet304) {
  auto first = get("/files/notes.txt");
  const std::string etag = *first->header("etag");
  const std::string modified = *first->header("last-modified");

  auto same = get("/files/notes.txt", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(same->status, 304);
  EXPECT_EQ(same->body, "");
  EXPECT_EQ(same->header("etag"), etag);
  EXPECT_EQ(get("/files/notes.txt", "If-None-Match: \"other\", W/" + etag + "\r\n")->status, 304);
  EXPECT_EQ(get("/files/notes.txt", "If-None-Match: *\r\n")->status, 304);
  EXPECT_EQ(get("/files/notes.txt", "If-None-Match: \"other\"\r\n")->status, 200);

  EXPECT_EQ(get("/files/notes.txt", "If-Modified-Since: " + modified + "\r\n")->status, 304);
  EXPECT_EQ(get("/files/notes.txt", "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n")->status, 200);
  EXPECT_EQ(get("/files/notes.txt", "If-Modified-Since: garbage\r\n")->status, 200);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(get("/files/notes.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + modified + "\r\n")->status,
            200);

  // If-Range: the range only for the current version.
  auto current = get("/files/notes.txt", "Range: bytes=0-4\r\nIf-Range: " + etag + "\r\n");
  EXPECT_EQ(current->status, 206);
  EXPECT_EQ(current->body, "hello");
  auto stale = get("/files/notes.txt", "Range: bytes=0-4\r\nIf-Range: \"old\"\r\n");
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, "hello notes\n");
}

TEST_F(FileTest, HeadSendsTheHeadOnly) {
  RawClient c(server_->port());
  c.send("HEAD /files/data.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response(true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-length"), "100000");
  c.send("HEAD /files/data.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n\r\n");
  res = c.read_response(true);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->header("content-length"), "10");
  c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "plain") << "file bytes followed a HEAD answer";
}

TEST_F(FileTest, MissingFileIs404) {
  auto res = get("/files/nope.txt");
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"error":"File not found"})");
  EXPECT_EQ(get("/files/sub")->status, 404) << "a directory is no file";
}

TEST_F(FileTest, TraversalIsRefused) {
  const char* attempts[] = {
      "/files/../secret.txt",       "/files/..%2Fsecret.txt",    "/files/%2e%2e%2fsecret.txt",
      "/files/sub/..%2F..%2Fsecret.txt", "/files/..%5Csecret.txt", "/files/%2Fetc%2Fpasswd",
      "/files/notes.txt%00.png",    "/files/link-out",           "/files/sub/%2e%2e/%2e%2e/secret.txt",
      "/files/..%252Fsecret.txt",   "/download/..%2Fsecret.txt", "/files/.%2F..%2Fsecret.txt",
  };
  for (const char* target : attempts) {
    auto res = get(target);
    ASSERT_TRUE(res) << target;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << target << " -> " << res->status;
    EXPECT_EQ(res->body.find("SECRET"), std::string::npos) << target;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << target;
  }
  // A symlink that leaves the directory is refused, not "not found".
  EXPECT_EQ(get("/files/link-out")->status, 400);
  EXPECT_EQ(get("/files/..%2Fsecret.txt")->body, R"({"error":"Invalid file name"})");
}

}  // namespace
