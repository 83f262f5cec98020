/**
 * The Lua scripts behind the Redis store's atomic rules. Each runs on keys of ONE user (same
 * hash tag), so it stays a single-slot operation that Redis Cluster accepts.
 *
 * `RECORD_FAILURE` mirrors `nextFailureState` (failure-math.ts) because the read-compute-write
 * must happen inside Redis to be atomic across instances; the shared conformance suite pins both
 * to the same behaviour.
 */

/** KEYS: factor hash, factor index, user seq. ARGV: id, createdAt, then field/value pairs. */
export const INSERT_FACTOR = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('factor exists') end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'seq', seq, unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1`;

/** KEYS: factor hash. ARGV: step, at. The replay rule: only a newer step wins. */
export const ADVANCE_LAST_STEP = `
local last = redis.call('HGET', KEYS[1], 'lastStep')
if not last then return 0 end
if tonumber(ARGV[1]) > tonumber(last) then
  redis.call('HSET', KEYS[1], 'lastStep', ARGV[1], 'lastUsedAt', ARGV[2])
  return 1
end
return 0`;

/**
 * KEYS: factor index. ARGV: the user's factor key prefix (`…{u:<sub>}:f:`). Every factor hash of
 * the index, in one round trip instead of two. The hashes' keys are built here (the index holds
 * the ids; a key holds the id as `encodeURIComponent` writes it): they carry the index's hash
 * tag, so the script still touches one slot.
 */
export const LIST_FACTORS = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for i, id in ipairs(ids) do
  local key = ARGV[1] .. string.gsub(id, "[^A-Za-z0-9%-_%.!~%*'%(%)]", function(c) return string.format('%%%02X', string.byte(c)) end)
  out[i] = redis.call('HGETALL', key)
end
return out`;

/** KEYS: factor hash, recovery set. ARGV: '1' to replace the codes, then the new hashes. */
export const CONFIRM_FACTOR = `
local confirmed = redis.call('HGET', KEYS[1], 'confirmed')
if confirmed ~= '0' then return 0 end
redis.call('HSET', KEYS[1], 'confirmed', '1')
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[2])
  if #ARGV > 1 then redis.call('SADD', KEYS[2], unpack(ARGV, 2)) end
end
return 1`;

/** KEYS: factor hash. ARGV: label. */
export const RENAME_FACTOR = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'label', ARGV[1])
return 1`;

export const TOUCH_FACTOR = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;

/** KEYS: failure hash. ARGV: now, maxFailures, baseLockMs, maxLockMs (-1 = none), ttlMs. */
export const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local max = math.max(1, math.floor(tonumber(ARGV[2])))
local s = redis.call('HMGET', KEYS[1], 'failures', 'lockedUntil', 'lockCount')
local failures = (tonumber(s[1]) or 0) + 1
local lockedUntil = tonumber(s[2]) or 0
local lockCount = tonumber(s[3]) or 0
if lockedUntil <= now then lockedUntil = 0 end
if failures >= max then
  local lockMs = tonumber(ARGV[3]) * (2 ^ lockCount)
  local cap = tonumber(ARGV[4])
  if cap >= 0 and lockMs > cap then lockMs = cap end
  local untilMs = math.min(now + lockMs, 9007199254740991)
  lockedUntil = math.max(untilMs, lockedUntil)
  failures = 0
  lockCount = lockCount + 1
end
local fmt = function(n) return string.format('%.0f', n) end
redis.call('HSET', KEYS[1], 'failures', fmt(failures), 'lockedUntil', fmt(lockedUntil), 'lockCount', fmt(lockCount))
-- Keep the key at least as long as its lock lasts (plus a minute), never less than the base TTL.
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(tonumber(ARGV[5]), lockedUntil - now + 60000)))
return {fmt(failures), fmt(lockedUntil), fmt(lockCount)}`;

/**
 * Reserve-then-verify, mirroring `reserveAttempt` / `settleAttemptState` (failure-math.ts); the
 * conformance suite pins both. KEYS: failure hash. ARGV: now, maxFailures, holdMs, ttlMs.
 * Returns {1} when granted, else {0, reason, retryAt}.
 */
export const BEGIN_ATTEMPT = `
local now = tonumber(ARGV[1])
local max = math.max(1, math.floor(tonumber(ARGV[2])))
local s = redis.call('HMGET', KEYS[1], 'failures', 'lockedUntil', 'pending', 'pendingUntil')
local failures = tonumber(s[1]) or 0
local lockedUntil = tonumber(s[2]) or 0
local pending = tonumber(s[3]) or 0
local pendingUntil = tonumber(s[4]) or 0
local fmt = function(n) return string.format('%.0f', n) end
if lockedUntil > now then return {0, 'locked', fmt(lockedUntil)} end
if pendingUntil <= now then pending = 0 end
if failures + pending >= max then return {0, 'busy', fmt(pendingUntil)} end
redis.call('HSET', KEYS[1], 'pending', fmt(pending + 1), 'pendingUntil', fmt(now + tonumber(ARGV[3])))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1}`;

/** KEYS: failure hash. ARGV: now, maxFailures, baseLockMs, maxLockMs (-1 = none), ttlMs, outcome. */
export const SETTLE_ATTEMPT = `
local now = tonumber(ARGV[1])
local max = math.max(1, math.floor(tonumber(ARGV[2])))
local outcome = ARGV[6]
local s = redis.call('HMGET', KEYS[1], 'failures', 'lockedUntil', 'lockCount', 'pending', 'pendingUntil')
local failures = tonumber(s[1]) or 0
local lockedUntil = tonumber(s[2]) or 0
local lockCount = tonumber(s[3]) or 0
local pending = tonumber(s[4]) or 0
local pendingUntil = tonumber(s[5]) or 0
if pendingUntil <= now then pending = 0 end
pending = math.max(0, pending - 1)
if pending == 0 then pendingUntil = 0 end
if outcome == 'failure' then
  if lockedUntil <= now then lockedUntil = 0 end
  failures = failures + 1
  if failures >= max then
    local lockMs = tonumber(ARGV[3]) * (2 ^ lockCount)
    local cap = tonumber(ARGV[4])
    if cap >= 0 and lockMs > cap then lockMs = cap end
    lockedUntil = math.max(math.min(now + lockMs, 9007199254740991), lockedUntil)
    failures = 0
    lockCount = lockCount + 1
  end
elseif outcome == 'success' and lockedUntil <= now then
  failures = 0
  lockedUntil = 0
  lockCount = 0
end
local fmt = function(n) return string.format('%.0f', n) end
redis.call('HSET', KEYS[1], 'failures', fmt(failures), 'lockedUntil', fmt(lockedUntil), 'lockCount', fmt(lockCount),
  'pending', fmt(pending), 'pendingUntil', fmt(pendingUntil))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(tonumber(ARGV[5]), lockedUntil - now + 60000)))
return {fmt(failures), fmt(lockedUntil), fmt(lockCount)}`;

/** KEYS: session revocation key. ARGV: at, ttlMs. Keeps the latest revocation. */
export const REVOKE_SESSION = `
local prev = tonumber(redis.call('GET', KEYS[1])) or 0
redis.call('SET', KEYS[1], string.format('%.0f', math.max(prev, tonumber(ARGV[1]))))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * KEYS: audit ids set, audit zset, user seq. ARGV: id, score (ms), json. An id already stored is
 * left as it is (0): the same event sent again after a lost answer (redis-link.ts) is kept once.
 */
export const APPEND_AUDIT = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], ARGV[2], string.format('%016d', seq) .. '\\n' .. ARGV[3])
return 1`;

/** KEYS: the window's counter. ARGV: ttlMs. One hit; the counter expires with its window (plus grace). */
export const HIT_RATE_LIMIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * KEYS: the session's freshness hash, the user's set of sessions. ARGV: field, json, ttlMs, session.
 * Records (or replaces) one step-up; both keys live as long as the newest record.
 */
export const PUT_FRESHNESS = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** KEYS: challenge key. ARGV: json, ttlMs. Refuses a duplicate id like a primary key would. */
export const INSERT_CHALLENGE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return redis.error_reply('challenge exists')`;

/**
 * KEYS: challenge key. ARGV: factorId, stepGuid, state ('' = none), expected state ('' = none).
 * Compare-and-set on the challenge's `state`; only those three fields change (the expiry and the
 * TTL stay as they are).
 */
export const UPDATE_CHALLENGE = `
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
local c = cjson.decode(json)
local current = c.state
if current == nil or current == cjson.null then current = '' end
if current ~= ARGV[4] then return 0 end
c.factorId = ARGV[1]
c.stepGuid = ARGV[2]
if ARGV[3] == '' then c.state = nil else c.state = ARGV[3] end
redis.call('SET', KEYS[1], cjson.encode(c), 'KEEPTTL')
return 1`;

/**
 * KEYS: first signing key (JSON), ring of later keys (hash kid → JSON), retirements (hash kid → ms).
 * ARGV: kid, retireAt. Keeps the earlier retirement; 0 when no key has that kid.
 */
export const RETIRE_SIGNING_KEY = `
local known = redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1
if not known then
  local first = redis.call('GET', KEYS[1])
  known = first and cjson.decode(first).kid == ARGV[1]
end
if not known then return 0 end
local current = redis.call('HGET', KEYS[3], ARGV[1])
if not current or tonumber(current) > tonumber(ARGV[2]) then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) end
return 1`;

export const SCRIPTS = {
  LIST_FACTORS, INSERT_FACTOR, ADVANCE_LAST_STEP, CONFIRM_FACTOR, RENAME_FACTOR, RECORD_FAILURE, APPEND_AUDIT, INSERT_CHALLENGE,
  UPDATE_CHALLENGE, TOUCH_FACTOR, BEGIN_ATTEMPT, SETTLE_ATTEMPT, REVOKE_SESSION, RETIRE_SIGNING_KEY, HIT_RATE_LIMIT, PUT_FRESHNESS,
};
export type ScriptName = keyof typeof SCRIPTS;
