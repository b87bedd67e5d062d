-- wrk script for bench_http.
--
-- With BENCH_TOKENS (comma-separated bearer tokens) and BENCH_BODY set, every request
-- is a JSON POST to the URL's path, rotating among the tokens, and responses outside
-- 2xx are counted. Without them, wrk's default GET is sent.
-- At the end one line `WRK_JSON {...}` gives the figures (times in microseconds).

local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local body = os.getenv("BENCH_BODY")
local posting = #tokens > 0 and body ~= nil

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

if posting then
  local prepared = {}
  local next_one = 0
  non_2xx = 0

  function init(args)
    -- Each thread starts at a different token.
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
      non_2xx = non_2xx + 1
    end
  end
end

function done(summary, latency, requests)
  local non_2xx_total = -1
  if posting then
    non_2xx_total = 0
    for _, thread in ipairs(threads) do
      non_2xx_total = non_2xx_total + (thread:get("non_2xx") or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"non_2xx":%d,"p50_us":%.0f,"p90_us":%.0f,'
      .. '"p99_us":%.0f,"max_us":%.0f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    non_2xx_total, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max
  ))
end
