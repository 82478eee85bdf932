// Uploads and downloads through the reference app, and data that survives a restart.

#include <gtest/gtest.h>

#include <ignis/http/crypto.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "blog_process.hpp"
#include "support/process_stats.hpp"

namespace blog::testing {
namespace {

// A file of n pseudo-random bytes in the blog's temporary directory.
std::string make_file(const BlogProcess& blog, const std::string& name, std::size_t n) {
  const std::string path = std::filesystem::path(blog.data_dir()).parent_path() / name;
  std::mt19937_64 random(n);
  std::string bytes(n, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Reply upload(const BlogProcess& blog, const std::string& path, const std::string& type = "application/pdf") {
  return blog.curl("/api/upload", {"-F", "name=quarterly report", "-F", "file=@" + path + ";type=" + type});
}

TEST(BlogFiles, UploadIsSavedHashedAndDownloadedWhole) {
  BlogProcess blog;
  const std::string path = make_file(blog, "report.pdf", 300'000);
  const std::string bytes = read_file(path);
  Reply up = upload(blog, path);
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.body, R"({"name":"quarterly report","filename":"report.pdf","size":300000,"type":"application/pdf","sha256":")" +
                         ignis::crypto::hex(ignis::crypto::sha256(bytes)) + "\"}");
  EXPECT_EQ(read_file(blog.data_dir() + "/files/report.pdf"), bytes);

  Reply down = blog.curl("/api/download/report.pdf");
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.body, bytes);
  EXPECT_EQ(down.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(down.header("Content-Length"), "300000");
  EXPECT_EQ(down.header("Content-Disposition"), "attachment; filename=\"report.pdf\"");
  Reply head = blog.curl("/api/download/report.pdf", {"--head"});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "300000");
  EXPECT_EQ(head.body, "");
}

TEST(BlogFiles, UploadsWithoutAFileOrWithBadFormsAreRefused) {
  BlogProcess blog;
  Reply none = blog.curl("/api/upload", {"-F", "name=x"});
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.body, R"({"error":"No file provided"})");
  Reply empty_name = blog.curl("/api/upload", {"-F", "name=x", "-F", "file=@/dev/null;filename="});
  EXPECT_EQ(empty_name.body, R"({"error":"No file provided"})");
  EXPECT_EQ(blog.curl("/api/upload", {"-X", "POST", "--data", "name=x"}).status, 415);
  Reply broken = blog.curl("/api/upload", {"-X", "POST", "-H", "Content-Type: multipart/form-data; boundary=b", "--data-binary",
                                           "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\ncut"});
  EXPECT_EQ(broken.status, 400);
  EXPECT_FALSE(std::filesystem::exists(blog.data_dir() + "/files/a.txt"));  // nothing half-written is left
  // A client's path is cut to its last component: the file lands in files/.
  const std::string path = make_file(blog, "inner.txt", 10);
  Reply sneaky = blog.curl("/api/upload", {"-F", "file=@" + path + ";filename=../../escape.txt"});
  EXPECT_EQ(sneaky.status, 200) << sneaky.body;
  EXPECT_TRUE(std::filesystem::exists(blog.data_dir() + "/files/escape.txt"));
  EXPECT_FALSE(std::filesystem::exists(blog.data_dir() + "/escape.txt"));
}

TEST(BlogFiles, RangesAreByteExact) {
  BlogProcess blog;
  const std::string bytes = read_file(make_file(blog, "data.bin", 10'000));
  std::filesystem::copy_file(std::filesystem::path(blog.data_dir()).parent_path() / "data.bin",
                             blog.data_dir() + "/files/data.bin");
  struct Case {
    std::string range, content_range;
    std::size_t first, length;
  };
  for (const Case& c : {Case{"0-99", "bytes 0-99/10000", 0, 100}, Case{"9990-", "bytes 9990-9999/10000", 9990, 10},
                        Case{"-5", "bytes 9995-9999/10000", 9995, 5}, Case{"5000-5000", "bytes 5000-5000/10000", 5000, 1},
                        Case{"9000-20000", "bytes 9000-9999/10000", 9000, 1000}}) {
    Reply r = blog.curl("/api/download/data.bin", {"-H", "Range: bytes=" + c.range});
    EXPECT_EQ(r.status, 206) << c.range;
    EXPECT_EQ(r.header("Content-Range"), c.content_range);
    EXPECT_EQ(r.header("Content-Length"), std::to_string(c.length));
    EXPECT_EQ(r.body, bytes.substr(c.first, c.length)) << c.range;
  }
  Reply beyond = blog.curl("/api/download/data.bin", {"-H", "Range: bytes=10000-"});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.header("Content-Range"), "bytes */10000");
  Reply missing = blog.curl("/api/download/nothing.bin");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"File not found"})");
}

TEST(BlogFiles, NoNameReachesOutsideFiles) {
  BlogProcess blog;
  std::ofstream(blog.data_dir() + "/secret.txt") << "secret";
  std::filesystem::create_symlink(blog.data_dir() + "/secret.txt", blog.data_dir() + "/files/link.txt");
  for (const char* name : {"..%2Fsecret.txt", "..%2fblog.db", "%2E%2E%2Fsecret.txt", "..%5Csecret.txt",
                           "%2Fetc%2Fpasswd", "%2e%2e", "link.txt", "a%00b", "..%2F..%2F..%2Fetc%2Fpasswd"}) {
    Reply r = blog.curl("/api/download/" + std::string(name), {"--path-as-is"});
    EXPECT_TRUE(r.status == 400 || r.status == 404) << name << " -> " << r.status;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << name;
    EXPECT_EQ(r.body.find("SQLite"), std::string::npos) << name;
  }
  // Unencoded dots never reach the route: they are another path (404).
  EXPECT_EQ(blog.curl("/api/download/../secret.txt", {"--path-as-is"}).status, 404);
}

TEST(BlogFiles, A50MiBUploadGrowsResidentMemoryByLessThan16MiB) {
  if (ignis::testing::kSanitized) GTEST_SKIP() << "memory figures mean little under a sanitizer";
  BlogProcess blog({.args = {"--threads", "1"}});
  const std::string path = make_file(blog, "big.bin", 50u << 20);
  blog.curl("/api/health");  // warm
  const std::size_t before = peak_resident_bytes(blog.pid());
  Reply up = upload(blog, path, "application/octet-stream");
  ASSERT_EQ(up.status, 200) << up.body;
  const std::size_t after = peak_resident_bytes(blog.pid());
  EXPECT_LT(after - before, 16u << 20) << "peak RSS " << before / 1024 << " KiB -> " << after / 1024 << " KiB";
  std::cout << "50 MiB upload: peak resident memory " << before / 1024 << " KiB -> " << after / 1024 << " KiB (+"
            << (after - before) / 1024 << " KiB)\n";
  EXPECT_EQ(std::filesystem::file_size(blog.data_dir() + "/files/big.bin"), 50u << 20);
}

TEST(BlogFiles, DataSurvivesARestart) {
  char dir[] = "/tmp/ignis-blog-restart-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  const std::string data = std::string(dir) + "/nested/data";  // created on first start
  {
    BlogProcess blog({.data_dir = data});
    EXPECT_EQ(blog.curl("/api/posts", {"-X", "POST", "--data", R"({"title":"Kept","content":"across restarts"})"}).status, 201);
    std::ofstream(data + "/files/kept.txt") << "kept";
    EXPECT_EQ(blog.terminate(), 0);
  }
  BlogProcess again({.data_dir = data});
  Reply post = again.curl("/api/posts/1");
  EXPECT_EQ(post.status, 200);
  EXPECT_NE(post.body.find("\"title\":\"Kept\""), std::string::npos);
  EXPECT_EQ(again.curl("/api/download/kept.txt").body, "kept");
  again.terminate();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace blog::testing
