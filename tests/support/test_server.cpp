#include "support/test_server.hpp"

#include <cstdlib>
#include <stdexcept>

namespace ignis::testing {

Backend test_backend() {
  const char* name = std::getenv("IGNIS_TEST_BACKEND");
  if (!name || !*name) return default_backend();
  auto b = parse_backend(name);
  if (!b) throw std::invalid_argument(std::string("IGNIS_TEST_BACKEND: unknown backend ") + name);
  return *b;
}

ServerOptions TestServer::defaults() {
  ServerOptions o;
  o.backend = test_backend();
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 1;
  return o;
}

TestServer::TestServer(App& app, ServerOptions options) {
  auto log = log_;
  app.set_logger([log](LogLevel, std::string_view message) {
    std::lock_guard lock(log->mutex);
    log->lines.emplace_back(message);
  });
  server_ = std::make_unique<Server>(app, std::move(options));
  server_->start();
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (!server_) return;
  server_->stop();
  server_->wait();
}

std::vector<std::string> TestServer::log() const {
  std::lock_guard lock(log_->mutex);
  return log_->lines;
}

bool TestServer::logged(std::string_view needle) const {
  for (const auto& line : log())
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace ignis::testing
