"""The Lua scripts that count per-identity state in Redis. Redis runs a script alone (no other
command runs in between), so admitting a request (check concurrency, rate and budgets, then
take) and ending one (give back its place, charge its tokens) are each one atomic step across
every box: no read-modify-write from a box.

Time is an argument (the box's clock, ms since the epoch), so tests fix it. Token buckets
follow :class:`appliance.state.local.TokenBucket`: capacity = the per-minute rate, refilled
continuously, a level that may go below 0 (a long answer is paid for by later calls).
"""

from __future__ import annotations

#: KEYS: day use, month use, requests in flight, requests bucket, tokens bucket.
#: ARGV: now_ms, member, max_concurrent, lease_ms, requests_per_minute, tokens_per_minute,
#:       tokens_per_day, requests_per_day, tokens_per_month, requests_per_month,
#:       day key's time to live (s), month key's time to live (s).
#: Returns {0} admitted; {1, running} concurrency limit; {2, wait_ms} rate limit;
#: {3, budget (1-4 as ARGV 7-10), used} a budget spent.
ADMIT = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local max_conc = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local rpm = tonumber(ARGV[5])
local tpm = tonumber(ARGV[6])

if max_conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local running = redis.call('ZCARD', KEYS[3])
  if running >= max_conc then
    return {1, running}
  end
end

local function level(key, cap)
  local b = redis.call('HMGET', key, 'cap', 'level', 'stamp')
  if not b[1] or tonumber(b[1]) ~= cap then
    return cap
  end
  local elapsed = now - tonumber(b[3])
  if elapsed < 0 then
    elapsed = 0
  end
  return math.min(cap, tonumber(b[2]) + elapsed * cap / 60000)
end

local wait = 0
local rlevel = 0
for i, rate in ipairs({rpm, tpm}) do
  if rate > 0 then
    local lvl = level(KEYS[3 + i], rate)
    if i == 1 then
      rlevel = lvl
    end
    local need = math.min(1, rate) - lvl
    if need > 0 then
      wait = math.max(wait, need * 60000 / rate)
    end
  end
end
if wait > 0 then
  return {2, math.ceil(wait)}
end

local budgets = {tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])}
local where = {{KEYS[1], 'tokens'}, {KEYS[1], 'requests'}, {KEYS[2], 'tokens'},
               {KEYS[2], 'requests'}}
for i = 1, 4 do
  if budgets[i] > 0 then
    local used = tonumber(redis.call('HGET', where[i][1], where[i][2]) or '0')
    if used >= budgets[i] then
      return {3, i, used}
    end
  end
end

if rpm > 0 then
  redis.call('HSET', KEYS[4], 'cap', rpm, 'level', tostring(rlevel - 1), 'stamp', now)
  redis.call('PEXPIRE', KEYS[4], 120000)  -- full again within a minute (level >= 0 here)
end
if budgets[2] > 0 or budgets[4] > 0 then
  redis.call('HINCRBY', KEYS[1], 'requests', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[11])
  redis.call('HINCRBY', KEYS[2], 'requests', 1)
  redis.call('EXPIRE', KEYS[2], ARGV[12])
end
if max_conc > 0 then
  redis.call('ZADD', KEYS[3], now + lease, member)
  redis.call('PEXPIRE', KEYS[3], lease)
end
return {0}
"""

#: KEYS: day use, month use, requests in flight, tokens bucket.
#: ARGV: now_ms, member ("" when the request was not admitted), tokens_per_minute, tokens,
#:       "1" when a token budget counts them, day key's and month key's time to live (s).
#: Returns the day's token use after the charge (0 when not counted).
END = """
local now = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[2])
end
local tpm = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
if tokens <= 0 then
  return 0
end
if tpm > 0 then
  local b = redis.call('HMGET', KEYS[4], 'cap', 'level', 'stamp')
  local lvl = tpm
  if b[1] and tonumber(b[1]) == tpm then
    local elapsed = now - tonumber(b[3])
    if elapsed < 0 then
      elapsed = 0
    end
    lvl = math.min(tpm, tonumber(b[2]) + elapsed * tpm / 60000)
  end
  lvl = lvl - tokens
  redis.call('HSET', KEYS[4], 'cap', tpm, 'level', tostring(lvl), 'stamp', now)
  -- kept until it is full again (a full bucket and no key are the same)
  redis.call('PEXPIRE', KEYS[4], math.ceil((tpm - lvl) * 60000 / tpm) + 60000)
end
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[2], 'tokens', tokens)
  redis.call('EXPIRE', KEYS[2], ARGV[7])
  local day = redis.call('HINCRBY', KEYS[1], 'tokens', tokens)
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  return day
end
return 0
"""
