// `npm run bench:rss`: resident memory of the device agent at rest, as each install runs it
// (`node dist/cli.js agent`, the one-file bundle, the linux-x64 single executable). Starts a real
// server, connects one agent of each kind, lets them idle, then reads the kernel's accounting.
// Usage: npm run bench:rss [-- --idle 30]   (builds the bundle and the linux-x64 release first)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './client-bundle.mjs';

const { values } = parseArgs({ options: { idle: { type: 'string', default: '30' } } });
const idleSeconds = Number(values.idle);

const SERVER_CLI = path.join(root, 'packages/tunnel-server/dist/src/cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'agent-rss-'));
const RELEASED = path.join(root, 'release/tunnel-client-linux-x64');
const INSTALLED = path.join(scratch, 'tunnel-client');
/** The floor under any agent: Node.js with the TLS stack loaded and one connection to the server. */
const FLOOR_SCRIPT =
  "require('node:tls').connect({ host: '127.0.0.1', port: Number(process.argv[1]), rejectUnauthorized: false }, () => console.error(JSON.stringify({ msg: 'connected' }))); setInterval(() => {}, 1e9);";
const AGENTS = [
  { name: 'node -e (one TLS connection, no agent)', command: [process.execPath, '-e', FLOOR_SCRIPT], built: process.execPath, floor: true },
  { name: 'node dist/src/cli.js agent', command: [process.execPath, path.join(root, 'packages/tunnel-client/dist/src/cli.js')] },
  { name: 'node bundle/tunnel-client.mjs agent', command: [process.execPath, path.join(root, 'packages/tunnel-client/bundle/tunnel-client.mjs')] },
  { name: 'release/tunnel-client-linux-x64 agent', command: [INSTALLED], built: RELEASED },
];
const children = [];

/** Spawns a process and resolves with it once a JSON log line on stderr matches. */
function startUntil(command, args, match) {
  const child = spawn(command[0], [...command.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n').slice(0, -1)) {
        const parsed = line.startsWith('{') ? JSON.parse(line) : {};
        if (match(parsed)) resolve({ child, line: parsed });
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code}) before it was ready`)));
  });
}

function addDevice(port, name) {
  const child = spawn(process.execPath, [SERVER_CLI, 'device', 'add', '--data', scratch, '--endpoint', `127.0.0.1:${port}`, '--name', name]);
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`device add exited ${code}`));
      const file = path.join(scratch, `${name}.json`);
      writeFileSync(file, stdout);
      resolve(file);
    }),
  );
}

/**
 * VmRSS and its split, in MB: anon (the process's own memory: V8 heap, buffers, malloc) and file
 * (pages of the node binary it touched, shared with the page cache). How many file pages a fault
 * maps depends on how the page cache holds the binary: the executable postject has just written in
 * one go counts ~10 MB more than the same file copied, so the release binary runs from a copy.
 */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => (Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]) * 1024) / 1e6;
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile'), hwm: field('VmHWM') };
}

try {
  const { line } = await startUntil([process.execPath, SERVER_CLI], ['start', '--data', scratch, '--host', '127.0.0.1', '--port', '0'], (l) => l.msg === 'tunnel server listening');
  const built = (a) => a.built ?? a.command.at(-1);
  const present = AGENTS.filter((a) => existsSync(built(a)));
  for (const missing of AGENTS.filter((a) => !present.includes(a))) console.error(`skipped ${missing.name}: ${built(missing)} is not built`);
  if (existsSync(RELEASED)) copyFileSync(RELEASED, INSTALLED);
  const running = [];
  for (const [i, agent] of present.entries()) {
    const args = agent.floor ? [String(line.port)] : ['agent', '--config', await addDevice(line.port, `rss-${i}`)];
    const { child } = await startUntil(agent.command, args, (l) => l.msg === 'connected');
    running.push({ agent, child });
  }
  console.error(`${running.length} agents connected; idling ${idleSeconds} s`);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  console.log(`agent RSS after connecting and ${idleSeconds} s idle (MB):`);
  console.log('| agent | RSS | anon | file | peak |\n|---|---|---|---|---|');
  for (const { agent, child } of running) {
    const m = memory(child.pid);
    console.log(`| \`${agent.name}\` | ${m.rss.toFixed(1)} | ${m.anon.toFixed(1)} | ${m.file.toFixed(1)} | ${m.hwm.toFixed(1)} |`);
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}
