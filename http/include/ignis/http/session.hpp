#pragma once
// Signed values and session cookies: a client may hold them, but not change them.
//
//   ignis::Signer signer(secret);
//   res.cookies().set_signed("prefs", "dark", signer);          // prefs=dark.<HMAC>
//   auto prefs = req.cookies().get_signed("prefs", signer);     // nullopt when tampered
//
//   ignis::Sessions sessions(secret);                            // options below
//   sessions.set(res, "ada");     // Set-Cookie: session=<token>; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax
//   std::optional<std::string> user = sessions.get(req);        // nullopt: none, tampered or expired
//   sessions.clear(res);
//
// A signature is HMAC-SHA256 (OpenSSL) over the value and what it is for (the cookie's
// name, so a value signed for one cookie is refused in another), base64url-encoded and
// compared in constant time. A session token also carries its expiry under the
// signature, so an old cookie stops working when Max-Age says, whatever the client keeps.
//
// SessionOptions:
// | option     | default   | what                                                      |
// |------------|-----------|-----------------------------------------------------------|
// | cookie     | "session" | the cookie's name                                         |
// | max_age    | 7 days    | Max-Age, and the expiry signed into the token             |
// | path       | "/"       | Path                                                      |
// | domain     | none      | Domain                                                    |
// | http_only  | true      | HttpOnly: scripts cannot read it                          |
// | secure     | false     | Secure: set it when served over HTTPS                     |
// | same_site  | lax       | SameSite                                                  |

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ignis/http/cookies.hpp"

namespace ignis {

class Request;
class Response;

class Signer {
 public:
  // Throws std::invalid_argument for an empty secret.
  explicit Signer(std::string secret);

  // "<value>.<signature>". The value should be cookie-safe if it goes into a cookie
  // (Sessions encodes arbitrary data for you).
  std::string sign(std::string_view value, std::string_view purpose = {}) const;
  // The value inside `signed_value` if this secret signed it for this purpose.
  std::optional<std::string_view> unsign(std::string_view signed_value, std::string_view purpose = {}) const;

 private:
  std::string signature(std::string_view value, std::string_view purpose) const;
  std::string secret_;
};

struct SessionOptions {
  std::string cookie = "session";
  std::chrono::seconds max_age = std::chrono::hours(24 * 7);
  std::string path = "/";
  std::string domain = {};
  bool http_only = true;
  bool secure = false;
  SameSite same_site = SameSite::lax;
};

class Sessions {
 public:
  using Clock = std::chrono::system_clock;

  explicit Sessions(std::string secret, SessionOptions options = {});

  // Puts `data` (any bytes) into the session cookie, signed, expiring after max_age.
  void set(Response& res, std::string_view data, Clock::time_point now = Clock::now()) const;
  // The data of the request's session cookie when it is present, untampered and unexpired.
  std::optional<std::string> get(const Request& req, Clock::time_point now = Clock::now()) const;
  // Tells the client to drop the cookie.
  void clear(Response& res) const;

  // The token a cookie carries ("<data, base64url>.<expiry, unix seconds>.<signature>"), and
  // its check, for transports other than cookies (an Authorization header, say).
  std::string issue(std::string_view data, Clock::time_point now = Clock::now()) const;
  std::optional<std::string> verify(std::string_view token, Clock::time_point now = Clock::now()) const;

  const SessionOptions& options() const noexcept { return options_; }

 private:
  CookieOptions cookie_options() const;
  Signer signer_;
  SessionOptions options_;
};

}  // namespace ignis
