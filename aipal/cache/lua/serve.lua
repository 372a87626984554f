-- The WSGI fast path's one call: check a token's record, charge the user's throttle, then
-- read the entry it asks for (gcra.lua is prepended).
-- KEYS: token record, generation hash, entry, the entry's fill lock, the user's throttle
-- (all under the path user's hash tag).
-- ARGV: now ms, user id, the entry's data-set generation field, fresh token, generation
-- ttl s, lock ms, the throttle's emission interval ms and period ms (0: no throttle),
-- a token record's ttl s.
-- Returns {1, entry} for a hit (the caller splits "<stamp>\n<etag>\n<payload>");
-- {2, stamp, locked, staff, lsn} when the token is valid but the entry is not (missing or
-- stale): the stamp to fill it with and whether the fresh token now holds its fill lock,
-- as read.lua answers, the token owner's staff flag and the user's "*lsn" as held ('' if none,
-- read on a miss only); {3, wait ms, staff} when the user's throttle refuses the
-- request; {-1} for a token that expired or whose user is inactive; {0, stamp} when the
-- token has no valid record: the stamp is the generations to fill the record with.
-- Missing generations are created from the fresh token, as read.lua does.
local gens = redis.call('HMGET', KEYS[2], '*user', 'AUTH_TOKEN', ARGV[3])
local record = gens[1] and gens[2] and redis.call('GET', KEYS[1])
local prefix = record and (gens[1] .. ',' .. gens[2] .. '\n')
if not (record and string.sub(record, 1, #prefix) == prefix) then
  -- A hash created here serves a token record only (it lives ARGV[9] s at most): any
  -- token, or none that is valid, may ask for any user id, so it must not stay for long.
  local ttl = redis.call('EXISTS', KEYS[2]) == 1 and ARGV[5] or ARGV[9]
  for i = 1, 2 do
    if not gens[i] then
      gens[i] = ARGV[4]
      redis.call('HSET', KEYS[2], i == 1 and '*user' or 'AUTH_TOKEN', ARGV[4])
    end
  end
  redis.call('EXPIRE', KEYS[2], ttl)
  return {0, gens[1] .. ',' .. gens[2]}
end
local uid, staff, active, expiry = string.match(record, '\n(%d+):(%d):(%d):(%d+)$')
if uid ~= ARGV[2] or active ~= '1' or (expiry ~= '0' and tonumber(expiry) <= tonumber(ARGV[1])) then
  return {-1}
end
if ARGV[8] ~= '0' then
  local wait = gcra(KEYS[5], tonumber(ARGV[7]), tonumber(ARGV[8]), 1)
  if wait > 0 then return {3, wait, tonumber(staff)} end
end
if not gens[3] then
  gens[3] = ARGV[4]
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
end
local stamp = gens[1] .. ',' .. gens[3]
local value = redis.call('GET', KEYS[3])
if value and string.sub(value, 1, #stamp + 1) == stamp .. '\n' then return {1, value} end
redis.call('EXPIRE', KEYS[2], ARGV[5])
local locked = redis.call('SET', KEYS[4], ARGV[4], 'NX', 'PX', ARGV[6])
return {2, stamp, locked and 1 or 0, tonumber(staff), redis.call('HGET', KEYS[2], '*lsn') or ''}
