-- Releases every workspace lock a PR holds, atomically.
-- KEYS[1] set of keys the PR holds; KEYS[2] index of every held key
-- ARGV[1] prKey; ARGV[2] prefix of lock hashes (a lock hash is ARGV[2] .. key)
-- Lock hashes are named from the set's members here, so this needs a single Redis (not a cluster).
-- Returns {key, holder, acquiredAt, fence, ...} for each lock released.
local released = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local lock = ARGV[2] .. key
  local held = redis.call('HMGET', lock, 'prKey', 'holder', 'acquiredAt', 'fence')
  if held[1] == ARGV[1] then
    redis.call('DEL', lock)
    redis.call('SREM', KEYS[2], key)
    table.insert(released, key)
    table.insert(released, held[2])
    table.insert(released, held[3])
    table.insert(released, held[4])
  end
end
redis.call('DEL', KEYS[1])
return released
