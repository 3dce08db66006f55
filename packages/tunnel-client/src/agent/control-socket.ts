import { chmod, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CodedError } from '@tunnel/protocol/errors';
import { ControlErrorCode } from './agent-errors.js';

/** What the running agent says about itself; diagnose reports it instead of disturbing it. */
export interface AgentState {
  pid: number;
  version: string;
  uuid: string;
  startedAt: string;
  tunnel: {
    connected: boolean;
    sessionId: string | null;
    connectedAt: string | null;
    /** The last failed attempt since the last session, or null. */
    lastFailure: { code: string; message: string; at: string } | null;
  };
  heartbeat: { enabled: boolean; lastSentAt: string | null; failing: boolean; lastError: string | null };
}

/** The commands, one line each; the answer is one JSON line. */
export type ControlCommand = 'state' | 'retry';

/** A request that does not end in a newline within this many bytes is not ours. */
const MAX_REQUEST = 64;

/**
 * The socket of the agent for `uuid`: $TUNNEL_CONTROL_SOCKET, else in systemd's
 * $RUNTIME_DIRECTORY, /run/tunnel-client for root, or the user's runtime directory.
 */
export function controlSocketPath(uuid: string, env: Readonly<Record<string, string | undefined>>): string {
  if (env['TUNNEL_CONTROL_SOCKET']) return env['TUNNEL_CONTROL_SOCKET'];
  const dir = env['RUNTIME_DIRECTORY'] ?? (process.getuid?.() === 0 ? '/run/tunnel-client' : (env['XDG_RUNTIME_DIR'] ?? os.tmpdir()));
  return path.join(dir, `tunnel-agent-${uuid}.sock`);
}

export interface ControlHandlers {
  state(): AgentState;
  retry(): void;
}

/**
 * Serves the agent's state (and "retry now") on a unix socket only its user can open (0600).
 * A stale socket of an agent that died is replaced; a live one means another agent with this
 * config runs here, which is an error (the server would see a duplicate device).
 */
export async function serveControlSocket(file: string, handlers: ControlHandlers): Promise<net.Server> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  if (await answers(file)) {
    throw new CodedError(ControlErrorCode.InUse, `another agent already serves ${file}: an agent with this device's config is running here already`);
  }
  await unlink(file).catch(() => undefined);
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let request = '';
    socket.on('data', (chunk: Buffer) => {
      request += chunk.toString('utf8');
      const end = request.indexOf('\n');
      if (end < 0 && request.length < MAX_REQUEST) return;
      const command = request.slice(0, end < 0 ? undefined : end).trim();
      if (command === 'retry') handlers.retry();
      const answer = command === 'state' || command === 'retry' ? handlers.state() : { error: `unknown command ${JSON.stringify(command.slice(0, MAX_REQUEST))}` };
      socket.end(`${JSON.stringify(answer)}\n`);
    });
  });
  // Nobody else may read the state or trigger retries.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(file, 0o600);
  server.unref();
  return server;
}

/** Asks the agent behind `file`; rejects with ENOENT/ECONNREFUSED when none runs, or on timeout. */
export function askAgent(file: string, command: ControlCommand, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CodedError(ControlErrorCode.Timeout, `the agent at ${file} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(answer) as unknown);
      } catch {
        reject(new CodedError(ControlErrorCode.Protocol, `${file} answered something that is not the agent's JSON`));
      }
    });
  });
}

function answers(file: string): Promise<boolean> {
  return askAgent(file, 'state', 2_000).then(
    () => true,
    () => false,
  );
}
