import { StringDecoder } from 'node:string_decoder';
import { errorCode } from '@tunnel/protocol/errors';
import { type Logger } from '@tunnel/protocol/log';
import ssh2, { type ClientChannel } from 'ssh2';
import type WebSocket from 'ws';
import type { DeviceStreamOpener, OpenedDeviceStream } from '../forwarding/device-stream-opener.js';
import type { UserRecord } from '../registry/types.js';
import { CastRecorder, recordingFile } from './cast-recorder.js';
import { TerminalErrorCode } from './errors.js';
import { parseClientMessage, type ServerMessage } from './messages.js';
import type { TerminalKey } from './terminal-key.js';

export interface TerminalSettings {
  /** The device's sshd as the device sees it (the host OS sshd of balena devices: 22222). */
  sshPort: number;
  /** Who the server logs in as on the device. */
  sshUser: string;
  /** A recording stops growing at this size. */
  recordingMaxBytes: number;
}

export const defaultTerminalSettings: TerminalSettings = { sshPort: 22222, sshUser: 'root', recordingMaxBytes: 8 * 1024 * 1024 };

export interface TerminalSessionDeps {
  opener: DeviceStreamOpener;
  key: TerminalKey;
  settings: TerminalSettings;
  dataDir: string;
  log: Logger;
}

export interface TerminalRequest {
  user: UserRecord;
  token: string;
  deviceUuid: string;
  cols: number;
  rows: number;
  remoteAddress: string;
}

/** How long the device's sshd has for its banner, key exchange and our login. */
const SSH_READY_TIMEOUT_MS = 30_000;

/**
 * One browser terminal: a stream to the device's sshd through the same opener (authorize(),
 * audit, cut at grant expiry) as `device tunnel`, an SSH session on it with the server's key,
 * a shell with a PTY, and the session recorded as a cast. Every way it can end reaches the
 * browser as one `end` message with a code and a sentence.
 */
export async function runTerminalSession(ws: WebSocket, request: TerminalRequest, deps: TerminalSessionDeps): Promise<void> {
  const { log } = deps;
  const send = (m: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const end = (message: string, code?: string): void => {
    send({ type: 'end', message, ...(code ? { code } : {}) });
    ws.close(1000);
  };

  send({ type: 'status', message: `opening a stream to port ${deps.settings.sshPort} of the device…` });
  let opened: OpenedDeviceStream;
  try {
    opened = await deps.opener.open(request.user, request.token, { device: request.deviceUuid, host: '127.0.0.1', port: deps.settings.sshPort }, { via: 'terminal', remoteAddress: request.remoteAddress });
  } catch (err) {
    end((err as Error).message, errorCode(err) ?? TerminalErrorCode.Ssh);
    return;
  }
  if (ws.readyState !== ws.OPEN) {
    opened.stream.destroy();
    opened.finished({ bytesUp: 0, bytesDown: 0, durationMs: 0, error: new Error('the browser went away before the device answered') });
    return;
  }

  const started = Date.now();
  const size = { cols: request.cols, rows: request.rows };
  // Made once the shell runs: a session that never got one has nothing to play back.
  let recorder: CastRecorder | null = null;
  const startRecording = (): CastRecorder | null =>
    opened.auditId === undefined
      ? null
      : new CastRecorder(
          recordingFile(deps.dataDir, opened.auditId),
          {
            width: size.cols,
            height: size.rows,
            title: `${request.user.name} on ${opened.device.name} (${opened.device.uuid.slice(0, 7)})`,
            tunnel: { auditId: opened.auditId, user: request.user.name, deviceUuid: opened.device.uuid, deviceName: opened.device.name },
          },
          deps.settings.recordingMaxBytes,
        );
  const client = new ssh2.Client();
  const decoder = new StringDecoder('utf8');
  let channel: ClientChannel | null = null;
  let bytesUp = 0;
  let bytesDown = 0;
  let failure: { code: string; message: string } | null = null;
  let done = false;

  const finish = (): void => {
    if (done) return;
    done = true;
    const revoked = opened.accessEnded();
    const outcome = revoked !== undefined ? { code: TerminalErrorCode.AccessEnded, message: `access ended: ${revoked}` } : failure;
    opened.finished({ bytesUp, bytesDown, durationMs: Date.now() - started, ...(outcome ? { error: new Error(outcome.message) } : {}) });
    void recorder?.close(outcome?.message);
    log.info({ user: request.user.name, uuid: opened.device.uuid, code: outcome?.code, reason: outcome?.message }, 'web terminal ended');
    end(outcome?.message ?? 'the shell exited', outcome?.code);
    client.end();
  };

  ws.on('message', (raw, isBinary) => {
    const msg = isBinary ? 'binary messages are not terminal messages' : parseClientMessage(raw.toString());
    if (typeof msg === 'string') {
      failure = { code: TerminalErrorCode.BadMessage, message: msg };
      finish();
      return;
    }
    if (msg.type === 'input') {
      bytesUp += Buffer.byteLength(msg.data);
      channel?.write(msg.data);
    } else {
      size.cols = msg.cols;
      size.rows = msg.rows;
      channel?.setWindow(msg.rows, msg.cols, 0, 0);
      recorder?.resize(msg.cols, msg.rows);
    }
  });
  ws.on('close', () => finish());

  client.on('ready', () => {
    client.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (err, ch) => {
      if (err) {
        failure = { code: TerminalErrorCode.Ssh, message: `the device's sshd would not start a shell: ${err.message}` };
        finish();
        return;
      }
      channel = ch;
      recorder = startRecording();
      send({ type: 'ready', device: opened.device.name, user: deps.settings.sshUser, recording: recorder !== null });
      const forward = (chunk: Buffer): void => {
        bytesDown += chunk.length;
        const text = decoder.write(chunk);
        if (text === '') return;
        send({ type: 'output', data: text });
        recorder?.output(text);
      };
      ch.on('data', forward);
      ch.stderr.on('data', forward);
      ch.on('close', () => finish());
    });
  });
  client.on('error', (err: Error & { level?: string }) => {
    failure =
      err.level === 'client-authentication'
        ? {
            code: TerminalErrorCode.SshAuth,
            message: `the device's sshd refused the server's key for ${deps.settings.sshUser}; authorise it on the device (see docs/ssh.md, "Web terminal"): ${deps.key.publicKey}`,
          }
        : { code: TerminalErrorCode.Ssh, message: `SSH to the device failed: ${err.message}` };
    finish();
  });
  client.on('close', () => finish());
  client.connect({
    sock: opened.stream,
    username: deps.settings.sshUser,
    privateKey: deps.key.privateKey,
    readyTimeout: SSH_READY_TIMEOUT_MS,
    // The device was authenticated by its tunnel (challenge-response on its own key) and the
    // stream reaches its loopback: sshd's host key would add no proof of who answers.
    hostVerifier: () => true,
  });
}

