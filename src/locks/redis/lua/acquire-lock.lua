-- Takes a workspace lock for a PR, atomically; re-entrant for the PR that already holds it.
-- KEYS[1] lock hash; KEYS[2] set of keys the PR holds; KEYS[3] the key's fence counter (never deleted);
-- KEYS[4] index of every held key
-- ARGV[1] lock key; ARGV[2] prKey; ARGV[3] holder JSON; ARGV[4] now (ISO time)
-- Returns {1, holder, acquiredAt, fence} when the PR holds the lock now,
-- {0, holder, acquiredAt, fence} of the other PR that holds it.
local held = redis.call('HMGET', KEYS[1], 'prKey', 'holder', 'acquiredAt', 'fence')
if held[1] and held[1] ~= ARGV[2] then
  return {0, held[2], held[3], held[4]}
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
if held[1] then
  -- Same PR again: keep fence and acquiredAt, record the new holder (head SHA, author).
  redis.call('HSET', KEYS[1], 'holder', ARGV[3])
  return {1, ARGV[3], held[3], held[4]}
end
local fence = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[1], 'prKey', ARGV[2], 'holder', ARGV[3], 'acquiredAt', ARGV[4], 'fence', fence)
return {1, ARGV[3], ARGV[4], fence}
