--[[
  Records an operation's outcome, takes it out of its cluster's line and frees the turn it held.
  Idempotent: finishing a finished operation changes nothing.

  KEYS[1] the operation's hash             <prefix>:op:<uid>
  KEYS[2] the cluster's line (sorted set)  <prefix>:cluster:<cluster>:line
  KEYS[3] the cluster's turn (string: uid)  <prefix>:cluster:<cluster>:turn

  ARGV[1] uid
  ARGV[2] outcome (JSON)
  ARGV[3] now (RFC 3339)
  ARGV[4] seconds to keep the finished record (0: forever)

  Returns 1 when finished now, 0 when already finished or unknown.
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'done' then
  return 0
end
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'member'))
redis.call('HSET', KEYS[1], 'state', 'done', 'outcome', ARGV[2], 'finishedAt', ARGV[3])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 1
