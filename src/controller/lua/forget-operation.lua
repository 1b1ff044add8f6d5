--[[
  Drops an operation that has not started (its object was deleted), freeing the turn if it held it.
  A started operation is refused: it must finish (or be cancelled by its executor) first.

  KEYS[1] the operation's hash             <prefix>:op:<uid>
  KEYS[2] the cluster's line (sorted set)  <prefix>:cluster:<cluster>:line
  KEYS[3] the cluster's turn (string: uid)  <prefix>:cluster:<cluster>:turn

  ARGV[1] uid

  Returns 'forgotten', 'started' or 'unknown'.
]]
local op = redis.call('HMGET', KEYS[1], 'state', 'member')
if not op[1] then
  return 'unknown'
end
if op[1] == 'started' then
  return 'started'
end
redis.call('ZREM', KEYS[2], op[2])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
redis.call('DEL', KEYS[1])
return 'forgotten'
