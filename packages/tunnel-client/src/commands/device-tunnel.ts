import type { Server } from 'node:net';
import { collect, formatDuration, parseDurationArg } from '@tunnel/protocol/cli';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { Option, type Command } from 'commander';
import type { ConnectionFlags } from '../developer/connection-settings.js';
import { lookupDevice, offlineText, shortName, waitUntilOnline } from '../developer/device-lookup.js';
import { listenLocal } from '../developer/local-listener.js';
import { formatHostPort, parseMappings } from '../developer/mapping.js';
import { PortForwarder } from '../developer/port-forwarder.js';
import { UserSession } from '../developer/user-session.js';
import { developerLogger, serverConnection, withConnectionOptions } from './connection-options.js';
import { DeveloperErrorCode } from '../developer/developer-errors.js';

interface TunnelFlags extends ConnectionFlags {
  port: string[];
  target?: string;
  wait?: boolean;
  reconnectWait: number;
}

/** How often --wait asks the server whether the device is back. */
const WAIT_POLL_MS = 2_000;

const print = (line: string): void => void process.stdout.write(line + '\n');

export function registerDeviceTunnelCommand(device: Command): void {
  withConnectionOptions(
    device
      .command('tunnel')
      .description(
        'Forward local ports to ports on a device through the tunnel server, e.g. `-p 22222:4321` then `ssh -p 4321 root@127.0.0.1`. ' +
          'All connections share one session to the server; each is reported with its precise result.',
      )
      .argument('<device>', 'device uuid, unique uuid prefix (7+ characters) or device name')
      .requiredOption(
        '-p, --port <mapping>',
        '<remotePort>[:[localAddress:]localPort], repeatable: 22222 (local 127.0.0.1:22222), 22222:4321, 22222:0.0.0.0:4321, 22222:0.0.0.0, 22222:[::1]:4321',
        collect,
      )
      .option('--target <host>', "forward to this host on the device's network instead of the device itself (gateway access; the device's allowedTargets must list it)")
      .option('--wait', 'if the device is offline, wait until it comes online instead of failing')
      .addOption(
        new Option('--reconnect-wait <duration>', 'when the session to the server is lost, how long a new connection waits for it to come back')
          .default(5_000, '5s')
          .argParser(parseDurationArg),
      ),
  ).action(async (ref: string, flags: TunnelFlags) => {
    const mappings = parseMappings(flags.port);
    const connection = serverConnection(flags);
    const log = developerLogger();
    let target = await lookupDevice(connection, ref);
    if (!target.vpn.connected) {
      if (!flags.wait) {
        throw new CodedError(DeveloperErrorCode.DeviceOffline, `device ${shortName(target)} ${offlineText(target)}; start its agent, or add --wait to wait for it`);
      }
      print(`Device ${shortName(target)} ${offlineText(target)}; waiting for it to come online (Ctrl-C to stop)...`);
      target = await waitUntilOnline(connection, target.uuid, WAIT_POLL_MS);
      print(`Device ${shortName(target)} is online.`);
    }
    const session = new UserSession({ connection, log, waitForSessionMs: flags.reconnectWait });
    await session.start();
    const forwarder = new PortForwarder(session, print, log);
    const short = target.uuid.slice(0, 7);
    const host = flags.target ?? '127.0.0.1';
    const servers: Server[] = [];
    for (const m of mappings) {
      const label = flags.target ? `${short} -> ${formatHostPort(host, m.remotePort)}` : `${short}:${m.remotePort}`;
      try {
        const server = await listenLocal(m, (socket) => forwarder.handle(socket, { device: target.uuid, host, port: m.remotePort, label }));
        servers.push(server);
        print(`Tunnel open: ${formatHostPort(m.localAddress, m.localPort)} -> ${label}`);
      } catch (err) {
        process.stderr.write(`tunnel-client: ${(err as Error).message} [${errorCode(err) ?? DeveloperErrorCode.Listen}]; the other mappings go on\n`);
      }
    }
    if (servers.length === 0) {
      session.close();
      throw new CodedError(DeveloperErrorCode.NoListener, 'no local port could be opened; nothing to forward');
    }
    print('Waiting for connections...');
    session.on('down', (reason) => print(`Lost the connection to the tunnel server (${reason}); reconnecting, new connections wait a few seconds for it...`));
    session.on('retry', (reason, delayMs) => print(`Still no connection to the tunnel server: ${reason}; retrying in ${formatDuration(delayMs)}`));
    session.on('up', (reconnected) => reconnected && print('Reconnected to the tunnel server.'));
    const stop = (): void => {
      for (const s of servers) s.close();
      session.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
