#pragma once
// Webhook signatures in Stripe's scheme:
//
//   Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=...]
//
//   auto check = ignis::verify_stripe_signature(req.headers().get("stripe-signature"),
//                                               co_await req.text(), secret);
//   if (check == SignatureCheck::missing) -> 400 {"error":"No signature"}
//   if (check != SignatureCheck::valid)   -> 400 {"error":"Invalid signature"}
//
// Every v1 in the header is tried (Stripe sends several while a secret is rolled), each
// compared in constant time; a timestamp more than `tolerance` away from now, in either
// direction, is refused, so a captured request cannot be replayed later.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ignis {

enum class SignatureCheck {
  valid,
  missing,    // no header
  malformed,  // no t=, no v1=, or a t= that is not a number
  mismatch,   // no v1= matches the payload and secret
  expired     // t= is too far from now
};

SignatureCheck verify_stripe_signature(std::optional<std::string_view> header, std::string_view payload,
                                       std::string_view secret,
                                       std::chrono::seconds tolerance = std::chrono::seconds(300),
                                       std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The header a sender computes: "t=<timestamp>,v1=<hex>". For tests and outgoing webhooks.
std::string stripe_signature_header(std::string_view payload, std::string_view secret, std::int64_t timestamp);

}  // namespace ignis
