-- wrk mix for the reference app (scripts/soak.sh), whose /api/events subscribers come and
-- go beside it. Every route family, weighted roughly as a blog is used: reads of posts,
-- search, feeds and files most; writes (create, patch, delete, upload, login) steadily.
-- Created posts are deleted again (their ids read from the answers), so the table stays
-- small and the run measures the server, not a growing search. Expected answers besides
-- 2xx/3xx: 404 (a post deleted meanwhile) and 429 (/api/generate past its limit); anything
-- else counts as unexpected.
local requests = {}
local function add(weight, req)
  for _ = 1, weight do requests[#requests + 1] = req end
end

local boundary = "soakboundary"
local upload = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nsoak\r\n" ..
  "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"soak.txt\"\r\n" ..
  "Content-Type: text/plain\r\n\r\n" .. string.rep("soak data\n", 400) .. "\r\n--" .. boundary .. "--\r\n"
local json = { ["Content-Type"] = "application/json" }

init = function()
  add(8, wrk.format("GET", "/api/health"))
  add(4, wrk.format("GET", "/api/hello"))
  add(10, wrk.format("GET", "/api/posts?page=1&limit=10"))
  add(4, wrk.format("GET", "/api/posts?page=3&limit=20"))
  for i = 1, 10 do add(1, wrk.format("GET", "/api/posts/" .. i)) end
  add(8, wrk.format("POST", "/api/posts", json, '{"title":"Soak post","content":"Written under load","tags":["soak","load"]}'))
  for i = 1, 4 do add(1, wrk.format("PATCH", "/api/posts/" .. (i * 7), json, '{"tags":["patched"]}')) end
  add(6, wrk.format("GET", "/api/search?q=post&tag=load"))
  add(4, wrk.format("GET", "/api/download/soak.bin", { Range = "bytes=1000-9999" }))
  add(2, wrk.format("GET", "/api/download/soak.bin"))
  add(3, wrk.format("POST", "/api/upload", { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, upload))
  add(3, wrk.format("GET", "/api/stream?count=3&interval_ms=5"))
  add(3, wrk.format("POST", "/api/login", json, '{"username":"ada","password":"correct horse"}'))
  add(3, wrk.format("GET", "/api/config"))
  add(5, wrk.format("GET", "/api/time"))
  add(2, wrk.format("POST", "/api/generate"))
  add(2, wrk.format("GET", "/rss.xml"))
  add(1, wrk.format("GET", "/metrics"))
  add(2, wrk.format("GET", "/api/public", { Origin = "https://anywhere.example" }))
end

local created = {}
request = function()
  if #created > 0 and math.random(10) == 1 then
    return wrk.format("DELETE", "/api/posts/" .. table.remove(created))
  end
  return requests[math.random(#requests)]
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
unexpected = 0
response = function(status, headers, body)
  if status == 201 then created[#created + 1] = string.match(body, '"id":(%d+)') end
  if status >= 400 and status ~= 404 and status ~= 429 then unexpected = unexpected + 1 end
end
done = function()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("unexpected") end
  io.write(string.format("unexpected statuses: %d\n", total))
end
