-- The WSGI fast path's one call: check a token's record, then read the entry it asks for.
-- KEYS: token record, generation hash, entry (all under the path user's hash tag).
-- ARGV: now ms, user id, the entry's data-set generation field, fresh token, generation ttl s.
-- Returns {1, entry} for a hit (the caller splits "<stamp>\n<etag>\n<payload>"); {2} when
-- the token is valid but the entry is not (missing or stale); {-1} for a token that
-- expired or whose user is inactive; {0, stamp} when the token has no valid record: the
-- stamp is the generations to fill it with (missing ones created from the fresh token,
-- as read.lua does).
local gens = redis.call('HMGET', KEYS[2], '*user', 'AUTH_TOKEN', ARGV[3])
local record = gens[1] and gens[2] and redis.call('GET', KEYS[1])
local prefix = record and (gens[1] .. ',' .. gens[2] .. '\n')
if not (record and string.sub(record, 1, #prefix) == prefix) then
  for i = 1, 2 do
    if not gens[i] then
      gens[i] = ARGV[4]
      redis.call('HSET', KEYS[2], i == 1 and '*user' or 'AUTH_TOKEN', ARGV[4])
    end
  end
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  return {0, gens[1] .. ',' .. gens[2]}
end
local uid, active, expiry = string.match(record, '\n(%d+):%d:(%d):(%d+)$')
if uid ~= ARGV[2] or active ~= '1' or (expiry ~= '0' and tonumber(expiry) <= tonumber(ARGV[1])) then
  return {-1}
end
local value = gens[3] and redis.call('GET', KEYS[3])
if not value then return {2} end
local stamp = gens[1] .. ',' .. gens[3] .. '\n'
if string.sub(value, 1, #stamp) ~= stamp then return {2} end
return {1, value}
