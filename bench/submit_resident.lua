-- wrk script: POST resident answers, a different cadre each request, a fresh client_key each.
-- Reads "path<TAB>json-answers" lines from BENCH_BODIES; counts 201s per thread. Each thread
-- sends BENCH_PER_THREAD requests, then goes idle (delay), so every request sent is read
-- back before wrk stops: acknowledged counts can be compared with what is stored.
local threads = {}
local bodies = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    local path, answers = line:match("([^\t]+)\t(.+)")
    table.insert(bodies, { path = path, answers = answers })
  end
  counter = 0
  created = 0
  other = 0
  quota = tonumber(os.getenv("BENCH_PER_THREAD"))
end

function delay()
  if counter >= quota then return 3600000 end
  return 0
end

function request()
  counter = counter + 1
  local item = bodies[(counter + id * 7919) % #bodies + 1]
  local body = string.format('{"answers": %s, "client_key": "bench-%d-%09d"}', item.answers, id, counter)
  return wrk.format("POST", item.path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format(
    'WRK {"created": %d, "other": %d, "requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d}\n',
    c, o, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
