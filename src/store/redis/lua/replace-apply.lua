-- Replaces an apply attempt record while it is still attempt ARGV[1]'s; keeps the unfinished index.
-- KEYS[1] the attempt record, KEYS[2] the sorted set of unfinished attempts
-- ARGV[1] the attempt id expected, ARGV[2] the new record (JSON), ARGV[3] TTL in seconds,
-- ARGV[4] the claim, ARGV[5] now (ms), ARGV[6] '1' when the new record is finished
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
if cjson.decode(current).attemptId ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
if ARGV[6] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[4])
else
  redis.call('ZADD', KEYS[2], tonumber(ARGV[5]), ARGV[4])
end
return 1
