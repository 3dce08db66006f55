import { parsePortArg } from '@tunnel/protocol/cli';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { deviceRef } from '@tunnel/protocol/tunnel';
import type { Command } from 'commander';
import type { ConnectionFlags } from '../developer/connection-settings.js';
import { describeFailure } from '../developer/failure-text.js';
import { bridgeStdio } from '../developer/stdio-bridge.js';
import { UserSession } from '../developer/user-session.js';
import { developerLogger, serverConnection, withConnectionOptions } from './connection-options.js';
import { DeveloperErrorCode } from '../developer/developer-errors.js';

/** After ssh's SIGHUP, how long the device gets to close its half of the stream. */
const HANGUP_GRACE_MS = 5000;

interface ProxyFlags extends ConnectionFlags {
  target?: string;
}

export function registerDeviceProxyCommand(device: Command): void {
  withConnectionOptions(
    device
      .command('proxy')
      .description(
        "Join stdin and stdout to a port on a device, for ssh's ProxyCommand: " +
          "ssh -o ProxyCommand='tunnel-client device proxy %h 22222' root@<uuid>.balena",
      )
      .argument('<device>', 'device uuid, unique prefix (7+ characters) or name; a .balena or .vpn suffix is ignored, so ssh can pass %h')
      .argument('<port>', 'port on the device', parsePortArg)
      .option('--target <host>', "connect to this host on the device's network instead of the device itself (the device's allowedTargets must list it)"),
  ).action(async (ref: string, port: number, flags: ProxyFlags) => {
    const log = developerLogger();
    const session = new UserSession({ connection: serverConnection(flags), log, proxyCommand: true });
    await session.start();
    let stream;
    try {
      stream = await session.open({ device: deviceRef(ref), host: flags.target ?? '127.0.0.1', port });
    } catch (err) {
      session.close();
      throw new CodedError(errorCode(err) ?? DeveloperErrorCode.Open, `cannot reach port ${port} of ${ref}: ${describeFailure(err)}`);
    }
    // ssh sends its ProxyCommand SIGHUP as it exits; dying there would reset a stream that is
    // closing normally. Let the bridge finish (the device closes its half at once), and only
    // give up if it does not.
    process.on('SIGHUP', () => {
      setTimeout(() => {
        session.close();
        process.exit(0);
      }, HANGUP_GRACE_MS).unref();
    });
    const result = await bridgeStdio(stream);
    const notice = result.error ? await session.notices.reasonFor(stream) : undefined;
    log.info({ bytesUp: result.bytesSent, bytesDown: result.bytesReceived, err: result.error }, 'proxy closed');
    session.close();
    // ssh shows this stderr line under its own "Connection reset by peer": it must say why.
    const why = notice ? `${notice.message} [${notice.code}]` : result.error?.message;
    if (result.error) process.stderr.write(`tunnel-client: the connection to ${ref} port ${port} broke: ${why}\n`);
    process.exit(result.error ? 1 : 0);
  });
}
