/**
 * Our tunnel as one more path: load generator -> `tunnel-client device tunnel` listener -> tunnel-server
 * -> tunnel-client agent -> target services. Only the interface lives here until the server and
 * client packages are merged; the harness reports the path as skipped.
 *
 * What setup() must do once wired (the OpenSSH path in ./openssh/path.ts is the model):
 *  1. make a work dir (data dir, certificates, device config) under os.tmpdir();
 *  2. start the server from `launch.server(ctx)` with spawnTracked(), wait for its port (waitListening);
 *  3. run each `launch.prepare(ctx)` command to completion (provision the device, a user token...);
 *  4. start the agent from `launch.agent(ctx)`; its port policy must allow ctx.targets' two ports;
 *  5. start the CLI from `launch.cli(ctx)`, which forwards remote ctx.targets.echo.port to local
 *     ctx.localPorts.echo and the sink likewise (`device tunnel <uuid> -p A:a -p B:b`);
 *  6. waitPathReady() on the two local endpoints, which proves echo and sink answer end to end;
 *  7. return a TunnelRunningPath whose teardown stops CLI, agent, server (stopProcess) and removes
 *     the work dir, also when a step above fails. TLS stays on, with the certificate checked.
 */
import type { TargetEndpoints } from '../targets/launch.js';
import type { BenchPath, RunningPath } from './types.js';

/** A command line the bench starts as a child process. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** Everything a launch command may need to know, decided by the bench at run time. */
export interface TunnelLaunchContext {
  /** A fresh temp dir for the server's data dir, certificates, the device's config.json. */
  readonly workDir: string;
  /** A free loopback port for the server's TLS WebSocket listener. */
  readonly serverPort: number;
  /** The real services on the "device": the agent must be allowed to reach both ports. */
  readonly targets: TargetEndpoints;
  /** Where the developer CLI must listen: the load generator dials these. */
  readonly localPorts: { readonly echo: number; readonly sink: number };
}

export interface TunnelLaunchCommands {
  server(context: TunnelLaunchContext): LaunchCommand;
  /** One-shot steps run in order after the server listens (provisioning, login). */
  prepare?(context: TunnelLaunchContext): readonly LaunchCommand[];
  agent(context: TunnelLaunchContext): LaunchCommand;
  cli(context: TunnelLaunchContext): LaunchCommand;
}

/** Scenarios 5-7 measure the server and the agent separately, so the tunnel path names them. */
export interface TunnelRunningPath extends RunningPath {
  readonly serverPid: number;
  readonly agentPid: number;
}

export const TUNNEL_NOT_WIRED = 'tunnel path not wired yet';

export function tunnelPath(launch?: TunnelLaunchCommands): BenchPath {
  return {
    name: 'tunnel',
    description: 'load generator -> device tunnel CLI -> tunnel-server -> agent -> target services',
    // The lead replaces this with the steps in the header comment; `launch` is unused until then.
    setup: async () => ({ kind: 'skipped', reason: launch === undefined ? TUNNEL_NOT_WIRED : `${TUNNEL_NOT_WIRED} (launch commands given, setup not implemented)` }),
  };
}
