-- wrk script for bench_search: GET requests rotating over BENCH_PATHS.
--
-- BENCH_PATHS holds request paths (already URL-encoded) separated by "|"; each wrk
-- thread starts at a different one. Responses outside 2xx are counted. At the end one
-- line `WRK_JSON {...}` gives the figures (times in microseconds), as wrk_report.lua.

local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do
  paths[#paths + 1] = path
end

local threads = {}
local prepared = {}
local next_one = 0
non_2xx = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  next_one = (id or 0) * 7
  for i, path in ipairs(paths) do
    prepared[i] = wrk.format("GET", path)
  end
end

function request()
  next_one = next_one % #prepared + 1
  return prepared[next_one]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("non_2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"non_2xx":%d,"p50_us":%.0f,"p90_us":%.0f,'
      .. '"p99_us":%.0f,"max_us":%.0f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    total, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max
  ))
end
