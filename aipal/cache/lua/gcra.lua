-- A throttle as the generic cell rate algorithm (GCRA), defined for the scripts that
-- include it (throttle.lua, serve.lua): one key holds the throttle's "theoretical
-- arrival time" in ms. A rate of N per period P lets N requests through at once, then one
-- every P/N. Time is the server's (TIME), so app servers with skewed clocks share one count.
-- cost 1 charges a request, 0 only asks, -1 gives one back (a login that succeeded).
-- Returns 0 when the request may go ahead (and was charged), else the ms to wait.
local function gcra(key, interval, period, cost)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local tat = math.max(tonumber(redis.call('GET', key) or 0), now)
  if cost < 0 then
    tat = tat - interval
    if tat > now then redis.call('SET', key, tat, 'PX', tat - now) else redis.call('DEL', key) end
    return 0
  end
  local wait = tat + interval - period - now
  if wait > 0 then return wait end
  if cost > 0 then redis.call('SET', key, tat + interval, 'PX', tat + interval - now) end
  return 0
end
