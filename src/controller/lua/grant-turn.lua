--[[
  Gives the cluster's turn to the head of its line, unless someone holds it already.

  KEYS[1] the cluster's line (sorted set)  <prefix>:cluster:<cluster>:line
  KEYS[2] the cluster's turn (string: uid)  <prefix>:cluster:<cluster>:turn

  ARGV[1] key prefix of operation hashes   <prefix>:op:
          (the head's hash key is only known here; Slipway runs on one Redis, not a Cluster)

  Returns {uid, name, creationTimestamp} of the holder, or an empty array when the line is empty.
]]
local holder = redis.call('GET', KEYS[2])
if not holder then
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not head then
    return {}
  end
  holder = string.match(head, '([^|]+)$')
  redis.call('SET', KEYS[2], holder)
  redis.call('HSET', ARGV[1] .. holder, 'state', 'granted')
end
local op = redis.call('HMGET', ARGV[1] .. holder, 'name', 'created')
return {holder, op[1] or '', op[2] or ''}
