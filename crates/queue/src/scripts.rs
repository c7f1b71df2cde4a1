//! The Lua scripts: every move of a job between the stream, the delayed ZSET and the dead ZSET
//! is one script, so Redis runs it atomically and a job is never in two places or in none.
//!
//! Job hashes and idempotency keys are named inside the scripts from prefixes passed in ARGV
//! (fine on a standalone Redis, which is what the queue runs on; not cluster-safe).
//! Times come from Redis `TIME` so that workers with skewed clocks agree on "due".

use std::sync::LazyLock;

use redis::Script;

const NOW: &str = r"
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function owned(stream, entry, consumer)
  local p = redis.call('XPENDING', stream, 'workers', entry, entry, 1)
  return #p > 0 and p[1][2] == consumer
end
";

/// enqueue(stream, delayed, idemkey, jobprefix, id, kind, payload, max_attempts, idem, run_at)
/// → {id, created (0|1)}
const ENQUEUE_FN: &str = r"
local function enqueue(stream, delayed, idemkey, jobprefix, id, kind, payload, max_attempts, idem, run_at)
  if idem ~= '' then
    local existing = redis.call('GET', idemkey)
    if existing and redis.call('EXISTS', jobprefix .. existing) == 1 then
      return {existing, 0}
    end
  end
  local now = now_ms()
  redis.call('HSET', jobprefix .. id, 'kind', kind, 'payload', payload,
    'max_attempts', max_attempts, 'attempts', 0, 'idem', idem, 'enqueued_at', now)
  if idem ~= '' then redis.call('SET', idemkey, id) end
  local due = tonumber(run_at)
  if due and due > now then
    redis.call('ZADD', delayed, due, id)
  else
    redis.call('XADD', stream, '*', 'id', id)
  end
  return {id, 1}
end
";

fn with_prelude(body: &str) -> Script {
    Script::new(&format!("{NOW}{ENQUEUE_FN}{body}"))
}

/// KEYS: stream, delayed, idemkey. ARGV: jobprefix, id, kind, payload, max_attempts, idem, run_at.
pub(crate) static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "return enqueue(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])",
    )
});

/// KEYS: tick key, stream, delayed, idemkey. ARGV: px, jobprefix, id, kind, payload,
/// max_attempts, idem. Returns nil when another scheduler already fired this tick.
pub(crate) static CRON_FIRE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
if not redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[1]) then return false end
return enqueue(KEYS[2], KEYS[3], KEYS[4], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], '')
",
    )
});

/// KEYS: stream, delayed. ARGV: limit. Moves due jobs to the stream; returns how many.
pub(crate) static MOVE_DUE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  redis.call('XADD', KEYS[1], '*', 'id', id)
  redis.call('ZREM', KEYS[2], id)
end
return #ids
",
    )
});

/// KEYS: stream. ARGV: consumer, min_idle_ms, cursor, count.
/// → {next_cursor, entry, job_id, deliveries, entry, job_id, deliveries, …}
pub(crate) static RECLAIM: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
local r = redis.call('XAUTOCLAIM', KEYS[1], 'workers', ARGV[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
local out = {r[1]}
for _, e in ipairs(r[2]) do
  local eid = e[1]
  local fields = e[2]
  local jid = ''
  if fields then
    for i = 1, #fields, 2 do
      if fields[i] == 'id' then jid = fields[i + 1] end
    end
  end
  local p = redis.call('XPENDING', KEYS[1], 'workers', eid, eid, 1)
  local n = 1
  if #p > 0 then n = p[1][4] end
  table.insert(out, eid)
  table.insert(out, jid)
  table.insert(out, n)
end
return out
",
    )
});

/// KEYS: stream. ARGV: entry, consumer. Resets the entry's idle time if `consumer` still owns it.
pub(crate) static HEARTBEAT: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
if not owned(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], 'workers', ARGV[2], 0, ARGV[1], 'JUSTID')
return 1
",
    )
});

/// KEYS: stream, delayed, dead. ARGV: entry, id, jobprefix, idemprefix.
/// Success wins over everything: acks the entry and removes the job wherever it is.
pub(crate) static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
redis.call('XACK', KEYS[1], 'workers', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
local jobkey = ARGV[3] .. ARGV[2]
local idem = redis.call('HGET', jobkey, 'idem')
if idem and idem ~= '' then
  local k = ARGV[4] .. idem
  if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return redis.call('DEL', jobkey)
",
    )
});

/// KEYS: stream, delayed. ARGV: entry, id, consumer, jobprefix, attempts, delay_ms, error.
/// Only the entry's owner may schedule the retry (a worker that lost its claim does nothing).
pub(crate) static RETRY: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
if not owned(KEYS[1], ARGV[1], ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], 'workers', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
local jobkey = ARGV[4] .. ARGV[2]
if redis.call('EXISTS', jobkey) == 0 then return 0 end
redis.call('HSET', jobkey, 'attempts', ARGV[5], 'last_error', ARGV[7])
redis.call('ZADD', KEYS[2], now_ms() + tonumber(ARGV[6]), ARGV[2])
return 1
",
    )
});

/// KEYS: stream, dead. ARGV: entry, id, consumer, jobprefix, idemprefix, attempts, error.
pub(crate) static BURY: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
if not owned(KEYS[1], ARGV[1], ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], 'workers', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
local jobkey = ARGV[4] .. ARGV[2]
if redis.call('EXISTS', jobkey) == 0 then return 0 end
local now = now_ms()
redis.call('HSET', jobkey, 'attempts', ARGV[6], 'last_error', ARGV[7], 'failed_at', now)
redis.call('ZADD', KEYS[2], now, ARGV[2])
local idem = redis.call('HGET', jobkey, 'idem')
if idem and idem ~= '' then
  local k = ARGV[5] .. idem
  if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end
end
return 1
",
    )
});

/// KEYS: stream, dead. ARGV: id, jobprefix, idemprefix. Dead → stream with attempts reset.
pub(crate) static RETRY_DEAD: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r"
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
local jobkey = ARGV[2] .. ARGV[1]
if redis.call('EXISTS', jobkey) == 0 then return 0 end
redis.call('HSET', jobkey, 'attempts', 0)
redis.call('HDEL', jobkey, 'failed_at')
local idem = redis.call('HGET', jobkey, 'idem')
if idem and idem ~= '' then redis.call('SET', ARGV[3] .. idem, ARGV[1], 'NX') end
redis.call('XADD', KEYS[1], '*', 'id', ARGV[1])
return 1
",
    )
});

/// KEYS: dead. ARGV: id, jobprefix.
pub(crate) static DISCARD_DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', ARGV[2] .. ARGV[1])
return 1
",
    )
});

/// KEYS: stream, delayed, dead. → {pending, running, delayed, dead}
pub(crate) static STATS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local len = redis.call('XLEN', KEYS[1])
local running = 0
local p = redis.pcall('XPENDING', KEYS[1], 'workers')
if type(p) == 'table' and not p.err then running = p[1] end
return {len - running, running, redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])}
",
    )
});

/// KEYS: stream. ARGV: min_idle_ms, own name. Removes consumers idle that long with nothing
/// pending (atomically, so none gets a job between the check and the removal); returns how many.
pub(crate) static PRUNE_CONSUMERS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], 'workers')) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) >= tonumber(ARGV[1]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], 'workers', info['name'])
    removed = removed + 1
  end
end
return removed
",
    )
});
