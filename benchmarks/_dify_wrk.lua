-- wrk script for bench_dify: JSON POSTs with rotating bearer tokens.
--
-- BENCH_TOKENS: comma-separated bearer tokens (npc JWTs, or a Dify app key);
-- BENCH_BODY: the JSON body. Responses outside 2xx are counted. At the end one line
-- `DIFY_WRK {...}` gives the figures (times in microseconds).

local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local body = os.getenv("BENCH_BODY") or "{}"
local threads = {}
local prepared = {}
local next_one = 0
bad_status = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  next_one = id or 0
  for i, token in ipairs(tokens) do
    prepared[i] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }, body)
  end
end

function request()
  next_one = next_one % #prepared + 1
  return prepared[next_one]
end

function response(status, headers, response_body)
  if status < 200 or status > 299 then
    bad_status = bad_status + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("bad_status") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'DIFY_WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"timeout":%d,"non_2xx":%d,"p50_us":%.0f,"p99_us":%.0f,"max_us":%.0f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, bad,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
