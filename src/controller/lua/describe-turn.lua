--[[
  An operation's state and who holds its cluster's turn, read in one step.

  KEYS[1] the operation's hash             <prefix>:op:<uid>
  KEYS[2] the cluster's turn (string: uid)  <prefix>:cluster:<cluster>:turn

  ARGV[1] key prefix of operation hashes   <prefix>:op:

  Returns {state, holderUid, holderName, outcome}; state '' when the uid is unknown.
]]
local op = redis.call('HMGET', KEYS[1], 'state', 'outcome')
if not op[1] then
  return {'', '', '', ''}
end
local holder = redis.call('GET', KEYS[2])
local holderName = ''
if holder then
  holderName = redis.call('HGET', ARGV[1] .. holder, 'name') or ''
end
return {op[1], holder or '', holderName, op[2] or ''}
