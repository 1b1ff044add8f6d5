--[[
  Records, before anything runs, that the turn holder's operation has started; says whether to
  run it, resume it (it started before: a worker died or its status says so), or leave it.

  KEYS[1] the operation's hash             <prefix>:op:<uid>
  KEYS[2] the cluster's turn (string: uid)  <prefix>:cluster:<cluster>:turn

  ARGV[1] uid
  ARGV[2] now (RFC 3339)

  Returns 'run', 'resume', 'done', 'not-holder' or 'unknown'.
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'unknown'
end
if state == 'done' then
  return 'done'
end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 'not-holder'
end
if state == 'started' then
  return 'resume'
end
redis.call('HSET', KEYS[1], 'state', 'started', 'startedAt', ARGV[2])
if redis.call('HGET', KEYS[1], 'resume') == '1' then
  return 'resume'
end
return 'run'
