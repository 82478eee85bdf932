-- wrk mix for examples/streaming (scripts/soak.sh), whose /api/events SSE subscribers
-- come and go beside it:
--   30% POST /api/posts (each one published to every subscriber),
--   25% GET /api/download/soak.bin with a Range, 15% the whole file, 10% a conditional GET,
--   20% GET /api/stream?count=3&interval_ms=10 (a short SSE stream)
local requests = {}
local function add(weight, req)
  for _ = 1, weight do requests[#requests + 1] = req end
end

-- Built in init(): wrk fills in the Host header only by then.
init = function()
  for i = 1, 30 do add(1, wrk.format("POST", "/api/posts", nil, "post number " .. i)) end
  for i = 0, 24 do add(1, wrk.format("GET", "/api/download/soak.bin", { Range = "bytes=" .. (i * 1000) .. "-" .. (i * 1000 + 4095) })) end
  add(15, wrk.format("GET", "/api/download/soak.bin"))
  add(10, wrk.format("GET", "/api/download/soak.bin", { ["If-None-Match"] = "*" }))
  add(20, wrk.format("GET", "/api/stream?count=3&interval_ms=10"))
end

request = function()
  return requests[math.random(#requests)]
end

-- Statuses the mix does not expect, summed over wrk's threads (each has its own Lua state).
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
unexpected = 0
response = function(status)
  if status >= 400 then unexpected = unexpected + 1 end
end
done = function()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("unexpected") end
  io.write(string.format("unexpected statuses: %d\n", total))
end
