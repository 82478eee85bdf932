// The posts API on a port: build/bin/posts --port 3000
//   curl -d '{"title":"Hello","content":"First post"}' localhost:3000/api/posts
//   curl localhost:3000/api/posts/1

#include <cstdlib>
#include <cstring>

#include "posts.hpp"

int main(int argc, char** argv) {
  ignis::ServerOptions options;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
  PostStore store;
  make_posts_app(store).listen(options);
}
