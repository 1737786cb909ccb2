-- Releases a workspace lock if the PR holds it.
-- KEYS[1] lock hash; KEYS[2] set of keys the PR holds; KEYS[3] index of every held key
-- ARGV[1] lock key; ARGV[2] prKey
-- Returns 1 when released, 0 when the PR did not hold it (nothing changes).
if redis.call('HGET', KEYS[1], 'prKey') ~= ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
