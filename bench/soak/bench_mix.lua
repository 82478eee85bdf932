-- wrk mix for bench/bench_server (scripts/soak.sh): the peers harness's routes, weighted.
--   45% GET /plaintext, 20% GET /json, 15% POST /api/echo (1 KB JSON),
--   10% GET /api/users/[userId]/posts/[postId], 5% other routes, 5% GET of a missing path (404)
local requests = {}
local function add(weight, req)
  for _ = 1, weight do requests[#requests + 1] = req end
end

-- Built in init(): wrk fills in the Host header only by then.
init = function()
  local echo_body = '{"id":42,"items":[' ..
    string.rep('{"name":"item","value":12345,"tags":["a","b","c"]},', 19) ..
    '{"name":"last","value":1,"tags":[]}]}'

  add(45, wrk.format("GET", "/plaintext"))
  add(20, wrk.format("GET", "/json"))
  add(15, wrk.format("POST", "/api/echo", { ["Content-Type"] = "application/json" }, echo_body))
  for i = 1, 10 do add(1, wrk.format("GET", "/api/users/" .. i .. "/posts/" .. (i * 7))) end
  add(2, wrk.format("GET", "/api/posts/12/comments"))
  add(2, wrk.format("GET", "/api/orgs/3/members/9"))
  add(1, wrk.format("GET", "/health"))
  add(5, wrk.format("GET", "/no/such/route"))
end

request = function()
  return requests[math.random(#requests)]
end

-- Statuses the mix does not expect, summed over wrk's threads (each has its own Lua state).
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
unexpected = 0
response = function(status)
  if status >= 400 and status ~= 404 then unexpected = unexpected + 1 end
end
done = function()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("unexpected") end
  io.write(string.format("unexpected statuses: %d\n", total))
end
