#include "../routes.hpp"

namespace blog::api::login {

struct Credentials {
  std::string username, password;
};
constexpr auto json_schema(json::For<Credentials>) {
  using json::field;
  return json::object(field<&Credentials::username>("username").min(1),
                      field<&Credentials::password>("password").min(8, "Password must be at least 8 characters"));
}

Task<Response> POST(Request& req) {
  auto login = co_await req.json<Credentials>();
  auto res = Response::json({{"success", true}, {"user", login.username}});
  blog().sessions.set(res, login.username);  // session=<signed token>; HttpOnly; SameSite=Lax
  co_return res;
}

}  // namespace blog::api::login
