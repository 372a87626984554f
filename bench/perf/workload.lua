-- wrk script of `python -m bench.perf`: one connection per thread (-t N -c N), so that
-- request() and response() alternate and every response is timed and counted per endpoint.
--
-- Environment: BENCH_DATA (one line per user: id, app token, DRF token, goal ids, task ids),
-- BENCH_MODE (mix | hit | write), BENCH_TOKEN (app | drf), BENCH_OUT (JSON written by done()).
--   mix:   95% GETs of the nine cached routes, 5% writes; users drawn by Zipf (s = 1.0), and a
--          user's goal or task by Zipf among theirs (the first the most read), as people look at
--          their current items more than at old ones
--   hit:   the GETs only, each user's first goal and task for details (what run.warm() filled)
--   write: the writes only

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local GETS = {
  { "dashboard", 20 }, { "goals", 14 }, { "ari", 14 }, { "tasks", 12 }, { "profile", 10 },
  { "history", 10 }, { "goal", 8 }, { "task", 7 }, { "predictions", 5 },
}
local WRITES = { "post_ari", "post_goal", "patch_goal", "post_task", "patch_task" }
local DIMENSIONS = { "decision_quality", "skill_development", "ai_reliance", "bottleneck_resolution",
  "user_confidence", "engagement", "autonomy_perception" }

local users, cdf, item_cdfs = {}, {}, {}
local mode, token_column
stats = {}  -- a global: done() reads it with thread:get()
local current, started = nil, 0
local get_total = 0

local function split(text, sep)
  local out = {}
  for part in string.gmatch(text, "[^" .. sep .. "]+") do out[#out + 1] = part end
  return out
end

local function load_users(path)
  for line in io.lines(path) do
    local f = split(line, " ")
    users[#users + 1] = { id = f[1], app = f[2], drf = f[3], goals = split(f[4], ","), tasks = split(f[5], ",") }
  end
  cdf = zipf_cdf(#users)
end

function zipf_cdf(n)
  local total, running, out = 0, 0, {}
  for rank = 1, n do total = total + 1 / rank end
  for rank = 1, n do
    running = running + (1 / rank) / total
    out[rank] = running
  end
  return out
end

local function zipf_rank(ranks)
  local u, lo, hi = math.random(), 1, #ranks
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if ranks[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

local function zipf_user()
  return users[zipf_rank(cdf)]
end

local function zipf_item(items)
  local ranks = item_cdfs[#items]
  if ranks == nil then
    ranks = zipf_cdf(#items)
    item_cdfs[#items] = ranks
  end
  return items[zipf_rank(ranks)]
end

-- The URLs of the GETs; in hit mode (no detail: the first goal and task) they must be the
-- same URLs as HIT_PATHS in run.py, which warm() fills before a hit-only run.
local function path_of(user, name, detail)
  local base = "/api/users/" .. user.id
  if name == "profile" then return base end
  if name == "ari" then return base .. "/ari" end
  if name == "history" then return base .. "/ari/history" end
  if name == "predictions" then return base .. "/predictions" end
  if name == "dashboard" then return base .. "/dashboard" end
  if name == "goals" then return base .. "/goals" end
  if name == "tasks" then return base .. "/tasks" end
  if name == "goal" then return base .. "/goals/" .. (detail or user.goals[1]) end
  if name == "task" then return base .. "/tasks/" .. (detail or user.tasks[1]) end
end

local function pick_get()
  local r = math.random(get_total)
  for _, entry in ipairs(GETS) do
    r = r - entry[2]
    if r <= 0 then return entry[1] end
  end
end

local function snapshot_body()
  local parts = {}
  for _, name in ipairs(DIMENSIONS) do parts[#parts + 1] = string.format('"%s": %.3f', name, math.random()) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function write_request(user, name)
  local base = "/api/users/" .. user.id
  local goal = zipf_item(user.goals)
  if name == "post_ari" then return "POST", base .. "/ari", snapshot_body() end
  if name == "post_goal" then return "POST", base .. "/goals", '{"description": "bench goal"}' end
  if name == "patch_goal" then
    return "PATCH", base .. "/goals/" .. goal, string.format('{"importance": %d}', math.random(10))
  end
  if name == "post_task" then
    return "POST", base .. "/tasks", string.format('{"title": "bench task", "goal_id": %s}', goal)
  end
  local task = zipf_item(user.tasks)
  return "PATCH", base .. "/tasks/" .. task, string.format('{"priority": %d}', math.random(10))
end

function setup(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_id", thread_count)
  threads = threads or {}
  threads[#threads + 1] = thread
end

function init(args)
  mode = os.getenv("BENCH_MODE") or "mix"
  token_column = os.getenv("BENCH_TOKEN") or "app"
  load_users(os.getenv("BENCH_DATA"))
  for _, entry in ipairs(GETS) do get_total = get_total + entry[2] end
  math.randomseed(thread_id * 7919 + os.time())
end

function request()
  local user, name, method, path, body
  if mode == "write" or (mode == "mix" and math.random(100) <= 5) then
    user = zipf_user()
    name = WRITES[math.random(#WRITES)]
    method, path, body = write_request(user, name)
  else
    user = zipf_user()
    name = pick_get()
    local detail = nil
    if mode == "mix" and name == "goal" then detail = zipf_item(user.goals) end
    if mode == "mix" and name == "task" then detail = zipf_item(user.tasks) end
    method, path = "GET", path_of(user, name, detail)
  end
  local headers = { ["Authorization"] = "Token " .. user[token_column], ["Accept"] = "application/json" }
  if body then headers["Content-Type"] = "application/json" end
  current = { name = name, user = user.id }
  started = now_us()
  return wrk.format(method, path, headers, body)
end

local function count(key)
  stats[key] = (stats[key] or 0) + 1
end

function response(status, headers, body)
  local elapsed = now_us() - started
  if current == nil then return end
  -- Flat keys: wrk's thread:get() copies one level of table only.
  local name = current.name
  count("count|" .. name)
  count("status|" .. name .. "|" .. status)
  count("cache|" .. name .. "|" .. (headers["X-Cache"] or "none"))
  count("latency|" .. name .. "|" .. math.floor(elapsed / 10))  -- 10 us buckets
  count("user|" .. current.user)
  current = nil
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for k, v in pairs(value) do parts[#parts + 1] = string.format("%q: %s", tostring(k), encode(v)) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(value)
end

function done(summary, latency, requests)
  local merged = { endpoints = {}, users = {} }
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("stats")) do
      local kind, name, item = string.match(key, "^(%a+)|([^|]+)|?(.*)$")
      if kind == "user" then
        merged.users[name] = (merged.users[name] or 0) + value
      else
        local ep = merged.endpoints[name] or { count = 0, statuses = {}, cache = {}, latency = {} }
        merged.endpoints[name] = ep
        if kind == "count" then ep.count = ep.count + value
        elseif kind == "status" then ep.statuses[item] = (ep.statuses[item] or 0) + value
        elseif kind == "cache" then ep.cache[item] = (ep.cache[item] or 0) + value
        else ep.latency[item] = (ep.latency[item] or 0) + value end
      end
    end
  end
  merged.summary = {
    duration_us = summary.duration, requests = summary.requests, bytes = summary.bytes,
    connect_errors = summary.errors.connect, read_errors = summary.errors.read,
    write_errors = summary.errors.write, timeouts = summary.errors.timeout, non_2xx_3xx = summary.errors.status,
  }
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(encode(merged))
  out:close()
end
