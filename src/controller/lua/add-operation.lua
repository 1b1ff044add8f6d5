--[[
  Puts an operation in its cluster's line, once: a uid already known is left as it is.

  KEYS[1] the operation's hash            <prefix>:op:<uid>
  KEYS[2] the cluster's line (sorted set)  <prefix>:cluster:<cluster>:line

  ARGV[1] uid
  ARGV[2] name
  ARGV[3] cluster
  ARGV[4] creationTimestamp (RFC 3339, as the apiserver writes it)
  ARGV[5] line member: "<creationTimestamp>|<name>|<uid>"; every member scores 0, so the line
          is ordered by member, i.e. by creation time, then name
  ARGV[6] "1" if the operation already started elsewhere (its status says so): it is resumed, never run

  Returns 1 when added, 0 when the uid was already known.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'name', ARGV[2], 'cluster', ARGV[3], 'created', ARGV[4],
  'member', ARGV[5], 'state', 'waiting', 'resume', ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[5])
return 1
