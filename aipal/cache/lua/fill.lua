-- Store one value, only if the generations are still those read before it was loaded.
-- KEYS: entry, generation hash, fill lock.
-- ARGV: stamp, value, ttl ms, lock token, WAL position floor or "", the "*lsn" the
-- reader saw ('' if none), generation fields...
-- The stored value is "<stamp>\n<value>"; the fill lock is released if the caller holds it.
-- A floor (the primary's position when a stamp without a position was read: "*lsn"
-- absent or a "?" marker) becomes "*lsn" only if "*lsn" is still what the reader saw:
-- a bump in between (another field's: the fill still stores) may belong to a write
-- that committed after the floor was taken, so its position or marker stays.
local gens = {}
for i = 7, #ARGV do
  local g = redis.call('HGET', KEYS[2], ARGV[i])
  if not g then gens = nil break end
  gens[#gens + 1] = g
end
local stored = 0
if gens and table.concat(gens, ',') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. ARGV[2], 'PX', ARGV[3])
  stored = 1
  if ARGV[5] ~= '' and (redis.call('HGET', KEYS[2], '*lsn') or '') == ARGV[6] then
    redis.call('HSET', KEYS[2], '*lsn', ARGV[5])
  end
end
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return stored
