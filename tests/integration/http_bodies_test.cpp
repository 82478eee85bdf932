// Request bodies over real sockets: JSON mapped onto structs with validation, urlencoded
// and multipart forms, streamed uploads, sessions and webhook signatures, and the answers
// to bad input (400/413/415, always JSON, never a file left behind).

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ignis/http/app.hpp>
#include <ignis/http/crypto.hpp>
#include <ignis/http/error.hpp>
#include <ignis/http/form.hpp>
#include <ignis/http/multipart.hpp>
#include <ignis/http/session.hpp>
#include <ignis/http/webhook.hpp>
#include <ignis/json/document.hpp>
#include <ignis/json/schema.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::json::field;
using ignis::testing::HttpResponse;
using ignis::testing::RawClient;
using ignis::testing::request;
using ignis::testing::TestServer;
using namespace std::chrono_literals;

namespace bodies {

struct NewPost {
  std::string title;
  std::string content;
  std::vector<std::string> tags;
};
constexpr auto json_schema(json::For<NewPost>) {
  return json::object(field<&NewPost::title>("title").min(1).max(200), field<&NewPost::content>("content").min(1),
                      field<&NewPost::tags>("tags").optional());
}

struct Post {
  std::int64_t id = 0;
  std::string title;
  std::string content;
  std::vector<std::string> tags;
};
constexpr auto json_schema(json::For<Post>) {
  return json::object(field<&Post::id>("id"), field<&Post::title>("title"), field<&Post::content>("content"),
                      field<&Post::tags>("tags"));
}

struct Bulk {
  std::vector<NewPost> posts;
};
constexpr auto json_schema(json::For<Bulk>) { return json::object(field<&Bulk::posts>("posts")); }

struct Login {
  std::string username;
  std::string password;
};
constexpr auto json_schema(json::For<Login>) {
  return json::object(field<&Login::username>("username").min(1), field<&Login::password>("password").min(8));
}

}  // namespace bodies

namespace {

using bodies::Bulk;
using bodies::Login;
using bodies::NewPost;
using bodies::Post;

// A directory of its own for each test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ignis-bodies-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    for (const std::string& name : list()) ::unlink((path_ + "/" + name).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") names.emplace_back(e->d_name);
      ::closedir(d);
    }
    return names;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
};

const std::string kBoundary = "----ignis-test-boundary";

struct PartSpec {
  std::string name;
  std::string value;
  std::string filename;  // empty: a text field
  std::string type;
};

std::string multipart(const std::vector<PartSpec>& parts, bool close = true) {
  std::string b;
  for (const PartSpec& p : parts) {
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) b += "; filename=\"" + p.filename + "\"";
    b += "\r\n";
    if (!p.type.empty()) b += "Content-Type: " + p.type + "\r\n";
    b += "\r\n" + p.value + "\r\n";
  }
  if (close) b += "--" + kBoundary + "--\r\n";
  return b;
}

std::string multipart_header() { return "Content-Type: multipart/form-data; boundary=" + kBoundary + "\r\n"; }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string sha256_hex(std::string_view data) {
  const auto d = crypto::sha256(data);
  return crypto::hex(std::span<const std::uint8_t>(d));
}

struct Shared {
  std::string dir;
  std::atomic<int> uploads_finished{0};
  Sessions sessions{"test-session-secret", {.max_age = 3600s}};
};

App make_app(Shared& shared) {
  App app;
  app.route("/api/posts").POST([](Request& req) -> Task<Response> {
    NewPost body = co_await req.json<NewPost>();
    co_return Response::json(Post{1, body.title, body.content, body.tags}, {.status = 201});
  });
  app.route("/api/bulk").POST([](Request& req) -> Task<Response> {
    Bulk bulk = co_await req.json<Bulk>();
    co_return Response::json({{"count", bulk.posts.size()}, {"last", bulk.posts.empty() ? "" : bulk.posts.back().title}});
  });

  // What a form held, as JSON; files are described by size and hash.
  app.route("/api/form").POST([&shared](Request& req) -> Task<Response> {
    FormOptions options;
    options.max_parts = 5;
    options.max_field_bytes = 1000;
    options.memory_threshold = 1024;
    options.temp_dir = shared.dir;
    FormData form = co_await req.form_data(options);
    std::string out;
    json::Writer w(out);
    w.begin_object();
    w.key("fields");
    w.begin_array();
    for (const FormField& f : form.fields()) json::write(w, json::Value{{"name", f.name}, {"value", f.value}});
    w.end_array();
    w.key("files");
    w.begin_array();
    for (const UploadedFile& f : form.files()) {
      const std::string content = f.read();
      json::write(w, json::Value{{"field", f.field_name()},
                                 {"filename", f.filename()},
                                 {"type", f.content_type()},
                                 {"size", f.size()},
                                 {"in_memory", f.in_memory()},
                                 {"sha256", sha256_hex(content)}});
    }
    w.end_array();
    w.end_object();
    if (const UploadedFile* f = form.file("save")) f->save_as(shared.dir + "/saved.bin");
    co_return Response(out, {.headers = {{"Content-Type", "application/json"}}});
  });

  // The reference app's upload: streamed part by part, hashed while written.
  app.route("/api/upload").POST([&shared](Request& req) -> Task<Response> {
    struct Finished {
      Shared& s;
      ~Finished() { ++s.uploads_finished; }
    } finished{shared};
    MultipartReader form(req);
    std::string name, filename, type, hash;
    std::uint64_t size = 0;
    while (const MultipartPart* part = co_await form.next()) {
      if (!part->is_file) {
        if (part->name == "name") name = std::string(co_await form.text());
        continue;
      }
      if (part->name != "file") continue;
      auto safe = safe_filename(part->filename);
      if (!safe) throw HttpError(400, "Invalid file name");
      filename = *safe;
      type = std::string(part->content_type);
      AtomicFile out(shared.dir + "/" + filename);
      crypto::Sha256 sha;
      for (;;) {
        std::string_view piece = co_await form.read();
        if (piece.empty()) break;
        sha.update(piece);
        out.write(piece);
      }
      out.commit();
      size = out.size();
      const auto digest = sha.finish();
      hash = crypto::hex(std::span<const std::uint8_t>(digest));
    }
    if (filename.empty()) co_return Response::json({{"error", "No file provided"}}, {.status = 400});
    co_return Response::json({{"name", name}, {"filename", filename}, {"size", size}, {"type", type}, {"sha256", hash}});
  });

  // Any body, piece by piece: what the pieces add up to, and the biggest piece.
  app.route("/api/hash").POST([](Request& req) -> Task<Response> {
    crypto::Sha256 sha;
    std::uint64_t size = 0;
    std::size_t biggest = 0;
    for (;;) {
      std::string_view piece = co_await req.body().read();
      if (piece.empty()) break;
      sha.update(piece);
      size += piece.size();
      biggest = std::max(biggest, piece.size());
    }
    const auto digest = sha.finish();
    co_return Response::json(
        {{"size", size}, {"biggest", biggest}, {"sha256", crypto::hex(std::span<const std::uint8_t>(digest))}});
  });
  app.route("/api/login").POST([&shared](Request& req) -> Task<Response> {
    Login login = co_await req.json<Login>();
    Response res = Response::json({{"success", true}, {"user", login.username}});
    shared.sessions.set(res, login.username);
    co_return res;
  });
  app.route("/api/profile").GET([&shared](Request& req) -> Task<Response> {
    auto user = shared.sessions.get(req);
    if (!user) co_return Response::json({{"error", "Unauthorized"}}, {.status = 401});
    co_return Response::json({{"user", json::Value{{"name", *user}}}});
  });
  app.route("/api/webhooks/stripe").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    switch (verify_stripe_signature(req.headers().get("stripe-signature"), body, "whsec_test")) {
      case SignatureCheck::valid: break;
      case SignatureCheck::missing: co_return Response::json({{"error", "No signature"}}, {.status = 400});
      default: co_return Response::json({{"error", "Invalid signature"}}, {.status = 400});
    }
    auto doc = co_await req.json();
    std::string_view type = doc["type"];
    co_return Response::json({{"received", true}, {"type", type}});
  });
  return app;
}

class HttpBodies : public ::testing::Test {
 protected:
  TempDir dir;
  Shared shared{.dir = dir.path()};  // before the server's threads start
  App app = make_app(shared);
  TestServer server{app};

  std::uint16_t port() { return server.port(); }

  void expect_error(const std::optional<HttpResponse>& r, int status, std::string_view error) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_EQ(r->body, "{\"error\":\"" + std::string(error) + "\"}");
  }
  // Waits until `n` upload handlers have finished (they end after the client does).
  bool uploads_finished(int n) {
    for (int i = 0; i < 500 && shared.uploads_finished < n; ++i) std::this_thread::sleep_for(10ms);
    return shared.uploads_finished >= n;
  }
};

// ------------------------------------------------------------------ JSON

TEST_F(HttpBodies, JsonBodyMapsOntoAStruct) {
  auto r = request(port(), "POST", "/api/posts", "Content-Type: application/json\r\n",
                   R"({"title":"Hello","content":"World","tags":["a","b"],"extra":{"ignored":true}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"({"id":1,"title":"Hello","content":"World","tags":["a","b"]})");
}

TEST_F(HttpBodies, ValidationIssuesAreA400WithPaths) {
  auto r = request(port(), "POST", "/api/posts", "", R"({"title":"","tags":["ok",3]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body,
            R"({"error":"Validation failed","issues":[)"
            R"js({"path":"title","message":"String must contain at least 1 character(s)"},)js"
            R"({"path":"tags.1","message":"Expected string, received number"},)"
            R"({"path":"content","message":"Required"}]})");
  EXPECT_FALSE(server.logged("threw"));  // an expected answer, not a handler failure
}

TEST_F(HttpBodies, InvalidJsonIsA400) {
  for (std::string_view bad : {"", "{", "{\"title\":\"x\",}", "{\"title\":tru}", "[1] 2", "{\"title\":\"\xff\"}"})
    expect_error(request(port(), "POST", "/api/posts", "", bad), 400, "Invalid JSON");
}

TEST_F(HttpBodies, LargeAndChunkedJsonBodies) {
  std::string body = R"({"posts":[)";
  for (int i = 0; i < 2000; ++i) {
    if (i) body += ',';
    body += R"({"title":"post )" + std::to_string(i) + R"(","content":"some content to make it longer","tags":["x"]})";
  }
  body += "]}";
  ASSERT_GT(body.size(), 100'000u);
  auto r = request(port(), "POST", "/api/bulk", "", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"count":2000,"last":"post 1999"})");

  // The same body, chunked, in small chunks sent one by one.
  RawClient c(port());
  c.send("POST /api/bulk HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (std::size_t at = 0; at < body.size(); at += 7000) {
    const std::string chunk = body.substr(at, 7000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    c.send(size + chunk + "\r\n");
  }
  c.send("0\r\n\r\n");
  auto chunked = c.read_response();
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, R"({"count":2000,"last":"post 1999"})");
}

// ------------------------------------------------------------------ forms

TEST_F(HttpBodies, UrlencodedForm) {
  auto r = request(port(), "POST", "/api/form", "Content-Type: application/x-www-form-urlencoded\r\n",
                   "name=Ada+Lovelace&lang=c%2B%2B&empty=&flag&name=second");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            R"({"fields":[{"name":"name","value":"Ada Lovelace"},{"name":"lang","value":"c++"},)"
            R"({"name":"empty","value":""},{"name":"flag","value":""},{"name":"name","value":"second"}],"files":[]})");
}

TEST_F(HttpBodies, MultipartFieldsAndFilesInMemoryAndOnDisk) {
  const std::string small = "tiny file";
  const std::string big = random_bytes(300'000, 1);  // past the 1 KiB threshold: on disk
  auto r = request(port(), "POST", "/api/form", multipart_header(),
                   multipart({{"name", "Ada", "", ""},
                              {"note", small, "note.txt", "text/plain"},
                              {"save", big, "big.bin", "application/octet-stream"},
                              {"raw", "x", "raw", ""}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, R"({"fields":[{"name":"name","value":"Ada"}],"files":[)"
                     R"({"field":"note","filename":"note.txt","type":"text/plain","size":9,"in_memory":true,"sha256":")" +
                         sha256_hex(small) +
                         R"("},{"field":"save","filename":"big.bin","type":"application/octet-stream","size":300000,)"
                         R"("in_memory":false,"sha256":")" +
                         sha256_hex(big) +
                         R"("},{"field":"raw","filename":"raw","type":"application/octet-stream","size":1,"in_memory":true,)"
                         R"("sha256":")" +
                         sha256_hex("x") + R"("}]})");
  // save_as linked the temporary file into place: the only name in the directory.
  EXPECT_EQ(dir.list(), std::vector<std::string>{"saved.bin"});
  EXPECT_EQ(dir.read("saved.bin"), big);
}

TEST_F(HttpBodies, BadFormsGetClearAnswers) {
  expect_error(request(port(), "POST", "/api/form", "Content-Type: application/json\r\n", "{}"), 415,
               "Unsupported media type");
  expect_error(request(port(), "POST", "/api/form", "", "a=b"), 415, "Unsupported media type");
  expect_error(request(port(), "POST", "/api/form", "Content-Type: multipart/form-data\r\n", "x"), 400,
               "Invalid multipart boundary");
  expect_error(request(port(), "POST", "/api/form", multipart_header(), "garbage without boundaries"), 400,
               "Malformed multipart body");
  expect_error(request(port(), "POST", "/api/form", multipart_header(), multipart({{"a", "b", "", ""}}, false)), 400,
               "Malformed multipart body");
  expect_error(request(port(), "POST", "/api/form", multipart_header(),
                       "--" + kBoundary + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + kBoundary + "--"),
               400, "Malformed multipart body");
  std::vector<PartSpec> six(6, PartSpec{"f", "v", "", ""});
  expect_error(request(port(), "POST", "/api/form", multipart_header(), multipart(six)), 413, "Too many parts");
  expect_error(request(port(), "POST", "/api/form", multipart_header(), multipart({{"f", std::string(1001, 'v'), "", ""}})),
               413, "Field too large");
  expect_error(request(port(), "POST", "/api/form", "Content-Type: application/x-www-form-urlencoded\r\n",
                       "a=" + std::string(1001, 'v')),
               413, "Field too large");
  expect_error(request(port(), "POST", "/api/form", "Content-Type: application/x-www-form-urlencoded\r\n",
                       "a=1&b=2&c=3&d=4&e=5&f=6"),
               413, "Too many parts");
}

TEST_F(HttpBodies, AFormThatFailsHalfWayLeavesNoFile) {
  // A big file part (on disk by then), then a broken part head.
  const std::string body = multipart({{"save", random_bytes(200'000, 2), "a.bin", ""}}, false) + "--" + kBoundary +
                           "\r\nContent-Disposition: nonsense\r\n\r\nx\r\n--" + kBoundary + "--\r\n";
  expect_error(request(port(), "POST", "/api/form", multipart_header(), body), 400, "Malformed multipart body");
  EXPECT_TRUE(dir.list().empty());
}

// ------------------------------------------------------------------ streamed uploads

TEST_F(HttpBodies, StreamedUploadIsHashedWhileWritten) {
  const std::string content = random_bytes(5'000'000, 3);
  auto r = request(port(), "POST", "/api/upload", multipart_header(),
                   multipart({{"name", "my upload", "", ""}, {"file", content, "../../escape.bin", "image/png"}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, R"({"name":"my upload","filename":"escape.bin","size":5000000,"type":"image/png","sha256":")" +
                         sha256_hex(content) + "\"}");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"escape.bin"});
  EXPECT_EQ(dir.read("escape.bin"), content);
}

TEST_F(HttpBodies, StreamedUploadWithoutAFileIsA400) {
  expect_error(request(port(), "POST", "/api/upload", multipart_header(), multipart({{"name", "n", "", ""}})), 400,
               "No file provided");
}

TEST_F(HttpBodies, AnUploadCutShortLeavesNoFile) {
  const std::string body = multipart({{"file", random_bytes(2'000'000, 4), "cut.bin", ""}});
  {
    RawClient c(port());
    c.send("POST /api/upload HTTP/1.1\r\nHost: t\r\n" + multipart_header() + "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    c.send(std::string_view(body).substr(0, body.size() / 2));
    std::this_thread::sleep_for(50ms);
  }  // the client goes away mid-file
  ASSERT_TRUE(uploads_finished(1));
  EXPECT_TRUE(dir.list().empty());

  // A body that ends (Content-Length reached) without the closing boundary: 400, no file.
  const std::string truncated = body.substr(0, body.size() - 40);
  expect_error(request(port(), "POST", "/api/upload", multipart_header(), truncated), 400, "Malformed multipart body");
  EXPECT_TRUE(dir.list().empty());
}

TEST_F(HttpBodies, ChunkedUploadArrivesWhole) {
  const std::string content = random_bytes(700'000, 5);
  const std::string body = multipart({{"file", content, "chunked.bin", ""}});
  RawClient c(port());
  c.send("POST /api/upload HTTP/1.1\r\nHost: t\r\n" + multipart_header() + "Transfer-Encoding: chunked\r\n\r\n");
  std::mt19937 rng(6);
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t n = std::min<std::size_t>(body.size() - at, 1 + rng() % 50'000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    c.send(size + body.substr(at, n) + "\r\n");
    at += n;
  }
  c.send("0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(sha256_hex(content)), std::string::npos);
  EXPECT_EQ(dir.read("chunked.bin"), content);
}

TEST_F(HttpBodies, RawBodiesStreamInBoundedPieces) {
  const std::string content = random_bytes(20'000'000, 7);
  auto r = request(port(), "POST", "/api/hash", "Content-Type: application/octet-stream\r\n", content);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto doc_text = r->body;
  // The pieces are views into the connection's body buffer: never the whole body at once.
  const std::size_t biggest = std::stoul(doc_text.substr(doc_text.find("\"biggest\":") + 10));
  EXPECT_LE(biggest, 1u << 20) << doc_text;
  EXPECT_NE(doc_text.find("\"size\":20000000"), std::string::npos);
  EXPECT_NE(doc_text.find(sha256_hex(content)), std::string::npos);
}

// ------------------------------------------------------------------ sessions and webhooks

TEST_F(HttpBodies, LoginSetsASignedSessionThatProfileChecks) {
  auto login = request(port(), "POST", "/api/login", "", R"({"username":"ada","password":"correct horse"})");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200);
  EXPECT_EQ(login->body, R"({"success":true,"user":"ada"})");
  const std::string set_cookie = login->header("set-cookie").value_or("");
  EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos);
  EXPECT_NE(set_cookie.find("; Max-Age=3600"), std::string::npos);
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("; SameSite=Lax"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  auto profile = request(port(), "GET", "/api/profile", "Cookie: theme=dark; " + cookie + "\r\n");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->status, 200);
  EXPECT_EQ(profile->body, R"({"user":{"name":"ada"}})");

  std::string tampered = cookie;
  tampered[cookie.find('=') + 1] ^= 1;
  expect_error(request(port(), "GET", "/api/profile", "Cookie: " + tampered + "\r\n"), 401, "Unauthorized");
  expect_error(request(port(), "GET", "/api/profile"), 401, "Unauthorized");
  const std::string forged = "session=" + crypto::base64url(std::string_view("ada")) + ".9999999999.AAAA";
  expect_error(request(port(), "GET", "/api/profile", "Cookie: " + forged + "\r\n"), 401, "Unauthorized");

  auto short_password = request(port(), "POST", "/api/login", "", R"({"username":"ada","password":"short"})");
  ASSERT_TRUE(short_password);
  EXPECT_EQ(short_password->status, 400);
  EXPECT_FALSE(short_password->header("set-cookie"));
}

TEST_F(HttpBodies, StripeWebhookSignatures) {
  const std::string payload = R"({"id":"evt_1","type":"payment_intent.succeeded"})";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto ok = request(port(), "POST", "/api/webhooks/stripe",
                    "Stripe-Signature: " + stripe_signature_header(payload, "whsec_test", now) + "\r\n", payload);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"received":true,"type":"payment_intent.succeeded"})");
  expect_error(request(port(), "POST", "/api/webhooks/stripe", "", payload), 400, "No signature");
  expect_error(request(port(), "POST", "/api/webhooks/stripe",
                       "Stripe-Signature: " + stripe_signature_header(payload, "wrong", now) + "\r\n", payload),
               400, "Invalid signature");
  expect_error(request(port(), "POST", "/api/webhooks/stripe",
                       "Stripe-Signature: " + stripe_signature_header(payload, "whsec_test", now - 301) + "\r\n", payload),
               400, "Invalid signature");
  expect_error(request(port(), "POST", "/api/webhooks/stripe",
                       "Stripe-Signature: " + stripe_signature_header(payload, "whsec_test", now) + "\r\n", payload + " "),
               400, "Invalid signature");
}

}  // namespace
