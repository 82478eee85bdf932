#include <ignis/http/webhook.hpp>

#include "../../routes.hpp"

namespace blog::api::webhooks::stripe {

struct Event {
  std::string type;
};
constexpr auto json_schema(json::For<Event>) { return json::object(json::field<&Event::type>("type")); }

// Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">.
Task<Response> POST(Request& req) {
  const std::string_view body = co_await req.text();
  switch (verify_stripe_signature(req.headers().get("stripe-signature"), body, blog().settings.webhook_secret)) {
    case SignatureCheck::valid: break;
    case SignatureCheck::missing: throw HttpError(400, "No signature");
    default: throw HttpError(400, "Invalid signature");
  }
  auto event = co_await req.json<Event>();
  co_return Response::json({{"received", true}, {"type", event.type}});
}

}  // namespace blog::api::webhooks::stripe
