-- Claims a delivery under every key at once, or under none: 0 when any key is already claimed.
-- KEYS: the claim keys; ARGV[1]: how long the claims last, in milliseconds.
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'PX', ARGV[1])
end
return 1
