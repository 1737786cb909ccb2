-- Moves a PR's newest head forward, never back.
-- KEYS[1] head key; ARGV[1] updated-at in epoch milliseconds; ARGV[2] JSON mark (with field "at"); ARGV[3] ttl seconds
-- Returns 1 when stored, 0 when the stored mark is newer.
local current = redis.call('GET', KEYS[1])
if current then
  local stored = cjson.decode(current)
  if stored.at and tonumber(stored.at) > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
