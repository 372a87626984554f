-- Give one user's generation fields a fresh value and note the commit position behind it.
-- KEYS: the user's generation hash.
-- ARGV: token (the new generation), generation ttl s, WAL position or "", fields...
-- A position is 20 digits, zero-padded (compared as strings: exact, where Lua's numbers
-- are doubles), kept as a maximum: an outbox replay of an old bump never lowers it.
-- "" leaves it alone (no replicas); "unknown" drops it, so the next reader takes the
-- primary's current position.
for i = 4, #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
end
if ARGV[3] == 'unknown' then
  redis.call('HDEL', KEYS[1], '*lsn')
elseif ARGV[3] ~= '' then
  local held = redis.call('HGET', KEYS[1], '*lsn')
  if not held or held < ARGV[3] then redis.call('HSET', KEYS[1], '*lsn', ARGV[3]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
