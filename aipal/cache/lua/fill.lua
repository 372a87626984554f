-- Store one value, only if the generations are still those read before it was loaded.
-- KEYS: entry, generation hash, fill lock.
-- ARGV: stamp, value, ttl ms, lock token, WAL position floor or "", generation fields...
-- The stored value is "<stamp>\n<value>"; the fill lock is released if the caller holds it.
-- A floor (the primary's position when a stamp without "*lsn" was read) is kept with a
-- stored value as bump.lua keeps a position: a maximum, 20 digits.
local gens = {}
for i = 6, #ARGV do
  local g = redis.call('HGET', KEYS[2], ARGV[i])
  if not g then gens = nil break end
  gens[#gens + 1] = g
end
local stored = 0
if gens and table.concat(gens, ',') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. ARGV[2], 'PX', ARGV[3])
  stored = 1
  if ARGV[5] ~= '' then
    local held = redis.call('HGET', KEYS[2], '*lsn')
    if not held or held < ARGV[5] then redis.call('HSET', KEYS[2], '*lsn', ARGV[5]) end
  end
end
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return stored
