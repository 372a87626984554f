-- One throttle's verdict (gcra.lua is prepended).
-- KEYS: the throttle's key. ARGV: emission interval ms, period ms, cost (1, 0 or -1).
-- Returns 0 (go ahead) or the ms to wait.
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
