#include <ignis/http/client.hpp>
#include <ignis/router/url.hpp>

#include "../routes.hpp"

namespace blog::api::weather {

struct Current {
  double temp = 0;
  std::string conditions;
};
constexpr auto json_schema(json::For<Current>) {
  return json::object(json::field<&Current::temp>("temp"), json::field<&Current::conditions>("conditions"));
}

// ?city=London, from the upstream API with the framework's own client.
Task<Response> GET(Request& req) {
  const std::string_view city = req.search_params().get("city").value_or("");
  if (city.empty()) throw HttpError(400, "City parameter required");
  const auto& s = blog().settings;
  const std::string url = s.weather_url + "/v1/current?city=" + url::encode_component(city) +
                          "&key=" + url::encode_component(s.weather_key);
  try {
    auto upstream = co_await fetch(url, {.timeout = 5s, .signal = &req.signal()});
    if (upstream.ok()) {
      const std::string body = co_await upstream.text();
      if (auto now = json::parse<Current>(body); now.ok())
        co_return Response::json({{"city", city}, {"temperature", now.value.temp}, {"conditions", now.value.conditions}});
    }
  } catch (const FetchError&) {     // unreachable, too slow, cut short
  } catch (const json::ParseError&) {  // not JSON
  }
  throw HttpError(502, "Failed to fetch weather");
}

}  // namespace blog::api::weather
