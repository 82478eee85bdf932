#pragma once
// Every route handler of the blog, one namespace per route folder (as app/**/route.ts in
// Next.js); main.cpp maps them to their paths and wraps them.

#include "../lib/blog.hpp"

namespace blog {

struct User {
  std::string name;
};

namespace api::health { Task<Response> GET(Request&); }
namespace api::hello { Task<Response> GET(Request&); }
namespace api::data { Task<Response> GET(Request&); }
namespace api::posts {
Task<Response> GET(Request&);
Task<Response> POST(Request&);
}
namespace api::posts::id {
Task<Response> GET(Request&, RouteContext&);
Task<Response> PUT(Request&, RouteContext&);
Task<Response> PATCH(Request&, RouteContext&);
Task<Response> DELETE(Request&, RouteContext&);
}  // namespace api::posts::id
namespace api::search { Task<Response> GET(Request&); }
namespace api::upload { Task<Response> POST(Request&); }
namespace api::download::filename { Task<Response> GET(Request&, RouteContext&); }
namespace api::stream { Task<Response> GET(Request&); }
namespace api::events { Task<Response> GET(Request&); }
namespace api::webhooks::stripe { Task<Response> POST(Request&); }
namespace api::login { Task<Response> POST(Request&); }
namespace api::profile { Task<Response> GET(Request&, RouteContext&, const User&); }
namespace api::public_ { Task<Response> GET(Request&); }
namespace api::generate { Task<Response> POST(Request&); }
namespace api::config { Task<Response> GET(Request&); }
namespace api::time { Task<Response> GET(Request&); }
namespace api::revalidate { Task<Response> POST(Request&); }
namespace api::weather { Task<Response> GET(Request&); }
namespace api::boom { Task<Response> GET(Request&); }
namespace rss { Task<Response> GET(Request&); }

}  // namespace blog
