-- Give one user's generation fields a fresh value and note the commit position behind it.
-- KEYS: the user's generation hash.
-- ARGV: token (the new generation), generation ttl s, WAL position, "unknown" or "", fields...
-- A position is 20 digits, zero-padded (compared as strings: exact, where Lua's numbers
-- are doubles), kept as a maximum: an outbox replay of an old bump never lowers it.
-- "unknown" stores the marker "?<token>": the next reader takes the primary's current
-- position, and a fill stores it only over the very marker (or absence) it read, so a
-- bump in between wins (fill.lua). A position over a marker stores a fresh marker too:
-- it was taken before this bump, perhaps before the write the marker stands for committed
-- (on a server without replicas). Over no "*lsn" (a hash created by a read) it is stored.
-- "" leaves "*lsn" alone (SQLite: no replicas can exist).
local fields = {}
for i = 4, #ARGV do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[1]
end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
if ARGV[3] ~= '' then
  local held = redis.call('HGET', KEYS[1], '*lsn')
  if ARGV[3] == 'unknown' or (held and string.sub(held, 1, 1) == '?') then
    redis.call('HSET', KEYS[1], '*lsn', '?' .. ARGV[1])
  elseif not held or held < ARGV[3] then
    redis.call('HSET', KEYS[1], '*lsn', ARGV[3])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
