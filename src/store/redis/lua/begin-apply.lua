-- Records a new apply attempt unless the plan has one; lists it among the unfinished attempts.
-- KEYS[1] the attempt record, KEYS[2] the sorted set of unfinished attempts
-- ARGV[1] the attempt (JSON), ARGV[2] TTL in seconds, ARGV[3] the claim, ARGV[4] now (ms)
if redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]), 'NX') then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[3])
  return 1
end
return 0
