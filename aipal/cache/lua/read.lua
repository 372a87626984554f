-- Read one cached response, or take its fill lock.
-- KEYS: entry, generation hash, fill lock.
-- ARGV: token, lock ms, generation ttl s, generation fields...
-- An entry is "<stamp>\n<etag>\n<payload>"; it is served only while its stamp equals
-- the current generations. Missing generations start at the caller's fresh random
-- token, never at an old value (an evicted hash cannot revive old entries).
-- A miss also returns the user's "*lsn" as held: a position (20 digits), a "?" marker
-- or '' (none): see bump.lua.
local gens = {}
for i = 4, #ARGV do
  local g = redis.call('HGET', KEYS[2], ARGV[i])
  if not g then
    g = ARGV[1]
    redis.call('HSET', KEYS[2], ARGV[i], g)
  end
  gens[#gens + 1] = g
end
local stamp = table.concat(gens, ',')
local value = redis.call('GET', KEYS[1])
if value then
  local sep = string.find(value, '\n', 1, true)
  if sep and string.sub(value, 1, sep - 1) == stamp then
    local sep2 = string.find(value, '\n', sep + 1, true)
    return {1, string.sub(value, sep + 1, sep2 - 1), string.sub(value, sep2 + 1)}
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
local locked = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2])
return {0, stamp, locked and 1 or 0, redis.call('HGET', KEYS[2], '*lsn') or ''}
