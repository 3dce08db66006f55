import type { TargetEndpoints } from '../../targets/launch.js';

/** A command line the bench starts as a child process. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** One-shot steps only: where their stdout goes (config.json, a token, the CA). */
  readonly stdoutFile?: string;
}

/** Files the provisioning steps write and the later steps read, all inside workDir. */
export interface TunnelFiles {
  /** The device's config.json as `device add` prints it. */
  readonly deviceConfig: string;
  /** The admin's API token as `user add` prints it. */
  readonly token: string;
  /** The development CA as `tunnel-server ca` prints it. */
  readonly ca: string;
}

/** Everything a launch command may need to know, decided by the bench at run time. */
export interface TunnelLaunchContext {
  /** A fresh temp dir for the server's data dir, certificates, the device's config.json. */
  readonly workDir: string;
  /** The server's data directory (inside workDir). */
  readonly dataDir: string;
  /** A free loopback port for the server's TLS WebSocket listener. */
  readonly serverPort: number;
  /** The real services on the "device": the agent must be allowed to reach both ports. */
  readonly targets: TargetEndpoints;
  /** Where the developer CLI must listen: the load generator dials these. */
  readonly localPorts: { readonly echo: number; readonly sink: number };
  readonly files: TunnelFiles;
}

/** PEM files of a server certificate the bench brings, as a real deployment brings its own. */
export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
  /** The CA that devices and the CLI must trust instead of the development CA. */
  readonly ca: string;
  /** What it is, for the report (key type, who made it). */
  readonly note: string;
}

export interface TunnelLaunchCommands {
  /** Certificate and key for the server, made before it starts; absent: the development CA. */
  certificate?(context: TunnelLaunchContext): Promise<ServerCertificate | undefined>;
  server(context: TunnelLaunchContext, certificate: ServerCertificate | undefined): LaunchCommand;
  /**
   * One-shot steps run in order after the server listens (provisioning, login). With a brought
   * certificate there is no development CA for `ca` to print: the bench trusts the brought CA.
   */
  prepare?(context: TunnelLaunchContext, certificate: ServerCertificate | undefined): readonly LaunchCommand[];
  /** One more device: writes its config.json to context.files.deviceConfig. */
  provisionDevice(context: TunnelLaunchContext, name: string): LaunchCommand;
  agent(context: TunnelLaunchContext): LaunchCommand;
  /** Called after prepare(), so it may read what prepare wrote (the token). */
  cli(context: TunnelLaunchContext): LaunchCommand;
}
