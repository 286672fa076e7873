package redisstate

import "github.com/redis/go-redis/v9"

// The scripts run the in-memory store's window rules (policies/store.go)
// on Redis, one whole decision per script, so concurrent gateways never
// both take the last slot. Times are whole unix seconds from the caller.
//
// A sliding counter is a hash: field "k" holds the longest window asked
// about (seconds), every other field is a second and the amount added in
// it. A fixed counter is a hash with its window (s, e) and its calls (c)
// and bytes (b).

// entries prunes a sliding hash at now and returns its buckets sorted by
// time, and its keep.
const slidingLib = `
local function entries(key, now, period)
  local keep = tonumber(redis.call('HGET', key, 'k') or '0')
  if period > keep then
    keep = period
    redis.call('HSET', key, 'k', keep)
  end
  local all = redis.call('HGETALL', key)
  local es = {}
  for j = 1, #all, 2 do
    if all[j] ~= 'k' then
      local a = tonumber(all[j])
      if a + keep <= now then
        redis.call('HDEL', key, all[j])
      else
        es[#es + 1] = {a, tonumber(all[j + 1])}
      end
    end
  end
  table.sort(es, function(x, y) return x[1] < y[1] end)
  return es, keep
end

local function count(es, now, period)
  local c = 0
  for _, e in ipairs(es) do
    if e[1] + period > now then c = c + e[2] end
  end
  if c < 0 then c = 0 end
  return c
end

-- retryAfter is the nanoseconds until the count drops below limit: 0
-- when it already is, a whole period when too little expires before.
local function retryAfter(es, now, frac, period, limit)
  local need = count(es, now, period) - limit + 1
  if need <= 0 then return 0 end
  local freed = 0
  for _, e in ipairs(es) do
    local stop = e[1] + period
    if stop > now then
      freed = freed + e[2]
      if freed >= need then return (stop - now) * 1e9 - frac end
    end
  end
  return period * 1e9
end

local function add(key, es, keep, at, n)
  local gran = math.max(math.floor(keep / 1024), 1)
  local best = nil
  for _, e in ipairs(es) do
    if e[1] <= at then best = e[1] end
  end
  local field = at
  if best ~= nil and at - best < gran then field = best end
  redis.call('HINCRBY', key, tostring(field), n)
end

local function touch(key, keep)
  redis.call('EXPIRE', key, keep + 1)
end
`

// slidingScript: KEYS counters; ARGV now (seconds), its nanoseconds,
// at (now rounded up), n, add, mustFit, then limit and period per key.
// Returns allowed, retry after (ns), remaining, total.
var slidingScript = redis.NewScript(slidingLib + `
local now, frac, at, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local doAdd, mustFit = ARGV[5] == '1', ARGV[6] == '1'
local ess, keeps = {}, {}
local retry = 0
local remaining, total = nil, 0
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[5 + 2 * i]), tonumber(ARGV[6 + 2 * i])
  local es, keep = entries(key, now, period)
  ess[i], keeps[i] = es, keep
  local c = count(es, now, period)
  local r = 0
  if c >= limit then
    r = retryAfter(es, now, frac, period, limit)
  elseif mustFit and n > 0 and c + n > limit then
    if n <= limit then r = retryAfter(es, now, frac, period, limit - n + 1) else r = period * 1e9 end
  end
  if r > retry then retry = r end
  if remaining == nil or limit - c < remaining then remaining, total = limit - c, limit end
  touch(key, keep)
end
if retry > 0 then return {0, retry, remaining, total} end
if doAdd then
  for i, key in ipairs(KEYS) do add(key, ess[i], keeps[i], at, n) end
  remaining = remaining - n
end
return {1, 0, remaining, total}
`)

// slidingAddScript: KEYS[1]; ARGV now, at, period, n, countAt. Returns
// the count at countAt.
var slidingAddScript = redis.NewScript(slidingLib + `
local now, at, period, n, countAt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local key = KEYS[1]
local es, keep = entries(key, now, period)
if n ~= 0 then
  add(key, es, keep, at, n)
  es = entries(key, now, period)
end
touch(key, keep)
return count(es, countAt, period)
`)

const fixedLib = `
local function window(key, ws, we, ttl)
  local v = redis.call('HMGET', key, 's', 'e', 'c', 'b')
  if v[1] ~= ws or v[2] ~= we then
    redis.call('HSET', key, 's', ws, 'e', we, 'c', 0, 'b', 0)
    if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
    return 0, 0
  end
  return tonumber(v[3]), tonumber(v[4])
end
`

// fixedScript: KEYS counters; ARGV calls, bytes, add, mustFit, then per
// key window start, end, calls limit, bytes limit (-1: none), ttl.
// Returns refused index (0: none), by bytes, then calls per key.
var fixedScript = redis.NewScript(fixedLib + `
local calls, bytes = tonumber(ARGV[1]), tonumber(ARGV[2])
local doAdd, mustFit = ARGV[3] == '1', ARGV[4] == '1'
local refused, byBytes = 0, 0
local cs = {}
for i, key in ipairs(KEYS) do
  local o = 4 + 5 * (i - 1)
  local lc, lb, ttl = tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5])
  local c, b = window(key, ARGV[o + 1], ARGV[o + 2], ttl)
  cs[i] = c
  if lc >= 0 and (c >= lc or (mustFit and calls > 0 and c + calls > lc)) then
    refused = i
  elseif lb >= 0 and b >= lb then
    refused, byBytes = i, 1
  end
  if refused > 0 then break end
end
if refused == 0 and doAdd then
  for i, key in ipairs(KEYS) do
    cs[i] = redis.call('HINCRBY', key, 'c', calls)
    redis.call('HINCRBY', key, 'b', bytes)
  end
end
local out = {refused, byBytes}
for i = 1, #KEYS do out[#out + 1] = cs[i] or 0 end
return out
`)

// fixedAddScript: KEYS[1]; ARGV window start, end, calls, bytes, ttl.
// Returns the calls counted in the window afterwards.
var fixedAddScript = redis.NewScript(fixedLib + `
local key = KEYS[1]
local v = redis.call('HMGET', key, 's', 'e')
if v[1] == false then
  window(key, ARGV[1], ARGV[2], tonumber(ARGV[5]))
elseif v[1] ~= ARGV[1] or v[2] ~= ARGV[2] then
  window(key, ARGV[1], ARGV[2], tonumber(ARGV[5]))
  return 0
end
local c = redis.call('HINCRBY', key, 'c', tonumber(ARGV[3]))
redis.call('HINCRBY', key, 'b', tonumber(ARGV[4]))
return c
`)
