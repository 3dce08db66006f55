import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The atomic steps of Redis presence, as Lua run inside Redis, so that check and write cannot be
 * interleaved with another node's: a late disconnect of a replaced session must find the newer
 * session and change nothing. Keys are built from ARGV[1] (the prefix) inside the scripts, which is
 * fine on one Redis (or a Sentinel pair), not on Redis Cluster.
 *
 * Keys under prefix P:
 *   P dev:<uuid>       hash, kept: connectedAt, disconnectedAt, remoteAddress, agentVersion,
 *                      clockOffsetMs, lastHeartbeatAt, heartbeatIntervalMs
 *   P sess:<uuid>      hash with TTL: session, node, epoch (the device's live session)
 *   P node:<node>      string with TTL: the node is alive
 *   P nodedevs:<node>  set: devices whose session the node holds
 *   P devices          set: every device presence knows
 *   P epoch            counter: every connect takes the next value
 */

/** ARGV: prefix, uuid, session, node, at, remoteAddress, agentVersion, clockOffsetMs, ttlMs. Returns the epoch. */
const CONNECT = `
local p, uuid, node = ARGV[1], ARGV[2], ARGV[4]
local sk = p .. 'sess:' .. uuid
local old = redis.call('HGET', sk, 'node')
if old then redis.call('SREM', p .. 'nodedevs:' .. old, uuid) end
local epoch = redis.call('INCR', p .. 'epoch')
redis.call('DEL', sk)
redis.call('HSET', sk, 'session', ARGV[3], 'node', node, 'epoch', epoch)
redis.call('PEXPIRE', sk, ARGV[9])
redis.call('SET', p .. 'node:' .. node, ARGV[5], 'PX', ARGV[9])
redis.call('HSET', p .. 'dev:' .. uuid, 'connectedAt', ARGV[5], 'remoteAddress', ARGV[6], 'agentVersion', ARGV[7], 'clockOffsetMs', ARGV[8])
redis.call('SADD', p .. 'nodedevs:' .. node, uuid)
redis.call('SADD', p .. 'devices', uuid)
return epoch`;

/** Compare-and-delete. ARGV: prefix, uuid, session, at. Returns 1 if the session was current. */
const DISCONNECT = `
local p, uuid = ARGV[1], ARGV[2]
local sk = p .. 'sess:' .. uuid
if redis.call('HGET', sk, 'session') ~= ARGV[3] then return 0 end
local node = redis.call('HGET', sk, 'node')
redis.call('DEL', sk)
if node then redis.call('SREM', p .. 'nodedevs:' .. node, uuid) end
redis.call('HSET', p .. 'dev:' .. uuid, 'disconnectedAt', ARGV[4])
return 1`;

/**
 * A node's keepalive. ARGV: prefix, node, at, ttlMs, then uuid and session pairs of the sessions
 * it holds. Extends each that is still its own; re-creates one that is gone (expired while the
 * node stalled, or Redis restarted empty) unless another session took the device meanwhile.
 */
const REFRESH = `
local p, node, at, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SET', p .. 'node:' .. node, at, 'PX', ttl)
for i = 5, #ARGV, 2 do
  local uuid, session = ARGV[i], ARGV[i + 1]
  local sk = p .. 'sess:' .. uuid
  local current = redis.call('HGET', sk, 'session')
  if current == session then
    redis.call('PEXPIRE', sk, ttl)
  elseif not current then
    redis.call('HSET', sk, 'session', session, 'node', node, 'epoch', redis.call('INCR', p .. 'epoch'))
    redis.call('PEXPIRE', sk, ttl)
    redis.call('SADD', p .. 'nodedevs:' .. node, uuid)
    redis.call('SADD', p .. 'devices', uuid)
  end
end
return 1`;

/** ARGV: prefix, node, at. Ends every session the node holds. */
const CLEAR_NODE = `
local p, node = ARGV[1], ARGV[2]
for _, uuid in ipairs(redis.call('SMEMBERS', p .. 'nodedevs:' .. node)) do
  local sk = p .. 'sess:' .. uuid
  if redis.call('HGET', sk, 'node') == node then
    redis.call('DEL', sk)
    redis.call('HSET', p .. 'dev:' .. uuid, 'disconnectedAt', ARGV[3])
  end
end
redis.call('DEL', p .. 'nodedevs:' .. node, p .. 'node:' .. node)
return 1`;

/** ARGV: prefix, uuid, at, intervalMs. */
const HEARTBEAT = `
redis.call('HSET', ARGV[1] .. 'dev:' .. ARGV[2], 'lastHeartbeatAt', ARGV[3], 'heartbeatIntervalMs', ARGV[4])
redis.call('SADD', ARGV[1] .. 'devices', ARGV[2])
return 1`;

/** ARGV: prefix, uuid. */
const FORGET = `
local p, uuid = ARGV[1], ARGV[2]
local node = redis.call('HGET', p .. 'sess:' .. uuid, 'node')
if node then redis.call('SREM', p .. 'nodedevs:' .. node, uuid) end
redis.call('DEL', p .. 'dev:' .. uuid, p .. 'sess:' .. uuid)
redis.call('SREM', p .. 'devices', uuid)
return 1`;

/**
 * ARGV: prefix, then uuids (none: every device). Returns per device {uuid, dev fields, session
 * fields, 1 if the session's node is alive}: one round trip and one consistent snapshot.
 */
const READ = `
local p = ARGV[1]
local uuids = {}
if #ARGV == 1 then uuids = redis.call('SMEMBERS', p .. 'devices') else for i = 2, #ARGV do uuids[#uuids + 1] = ARGV[i] end end
local out = {}
for _, uuid in ipairs(uuids) do
  local dev = redis.call('HGETALL', p .. 'dev:' .. uuid)
  local sess = redis.call('HGETALL', p .. 'sess:' .. uuid)
  if #dev > 0 or #sess > 0 then
    local node = redis.call('HGET', p .. 'sess:' .. uuid, 'node')
    local alive = 0
    if node and redis.call('EXISTS', p .. 'node:' .. node) == 1 then alive = 1 end
    out[#out + 1] = {uuid, dev, sess, alive}
  end
end
return out`;

/** A script sent once per connection and then called by its SHA-1. */
export class Script {
  private readonly sha: string;
  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 0, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.lua, 0, ...args);
    }
  }
}

export const scripts = {
  connect: new Script(CONNECT),
  disconnect: new Script(DISCONNECT),
  refresh: new Script(REFRESH),
  clearNode: new Script(CLEAR_NODE),
  heartbeat: new Script(HEARTBEAT),
  forget: new Script(FORGET),
  read: new Script(READ),
};
