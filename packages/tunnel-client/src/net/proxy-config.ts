import { BALENA_SYSTEM_PROXY_DIR, readBalenaNoProxy, readBalenaProxy, SYSTEM_PROXY_DIR_VARIABLE } from './balena-proxy-files.js';
import { NoProxyList } from './no-proxy.js';
import { parseProxyUrl, type ProxySpec } from './proxy-url.js';

/** Where a proxy comes from: a --proxy flag, the environment of the process, balenaOS's system-proxy files. */
export interface ProxySettings {
  /** --proxy URL: wins over HTTPS_PROXY and ALL_PROXY. An empty string means none. */
  proxy?: string | undefined;
  /**
   * HTTPS_PROXY, ALL_PROXY and NO_PROXY are read from here (either case); process.env when absent.
   * TUNNEL_SYSTEM_PROXY_DIR, also read from here, moves balenaOS's /mnt/boot/system-proxy.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Proxy settings parsed and checked once, at start-up, so a typo fails early and loudly. */
export interface ProxyConfig {
  proxy: ProxySpec | undefined;
  /** `--proxy`, `HTTPS_PROXY`, ...: named in logs so people know which setting is in force. */
  source: string | undefined;
  noProxy: NoProxyList;
}

/** How one connection leaves this machine. */
export interface ProxyRoute {
  proxy: ProxySpec | undefined;
  /** `via HTTP proxy http://p:3128 (from HTTPS_PROXY)`, `direct (NO_PROXY entry "localhost")`, `direct`. */
  description: string;
}

/** The --proxy help text, shared by every command that reaches the server so they all state the same rules. */
export const PROXY_OPTION_HELP =
  'reach the server through this proxy: http://[user:pass@]host:port (CONNECT) or socks5://[user:pass@]host:port; ' +
  'wins over HTTPS_PROXY/ALL_PROXY; NO_PROXY still applies';

/** Lower case first, as curl and most tools read them; the wss:// we dial is an https_proxy matter. */
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;
const NO_PROXY_VARIABLES = ['no_proxy', 'NO_PROXY'] as const;

function firstSet(env: Readonly<Record<string, string | undefined>>, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value];
  }
  return undefined;
}

/** No proxy: every connection leaves direct. */
export const DIRECT: ProxyConfig = Object.freeze({ proxy: undefined, source: undefined, noProxy: new NoProxyList(undefined) });

/**
 * Reads --proxy, then the environment, then balenaOS's redsocks.conf: the first that names a
 * proxy wins. NO_PROXY wins over balenaOS's no_proxy file the same way. Throws
 * ERR_PROXY_URL_INVALID or ERR_PROXY_SYSTEM_CONFIG_INVALID naming the setting at fault.
 */
export function loadProxyConfig(settings: ProxySettings = {}): ProxyConfig {
  const env = settings.env ?? process.env;
  const systemDir = env[SYSTEM_PROXY_DIR_VARIABLE] || BALENA_SYSTEM_PROXY_DIR;
  const noProxy = new NoProxyList(firstSet(env, NO_PROXY_VARIABLES)?.[1] ?? readBalenaNoProxy(systemDir));
  if (settings.proxy !== undefined && settings.proxy.trim() !== '') {
    return { proxy: parseProxyUrl(settings.proxy, '--proxy'), source: '--proxy', noProxy };
  }
  const fromEnv = firstSet(env, PROXY_VARIABLES);
  if (fromEnv) return { proxy: parseProxyUrl(fromEnv[1], fromEnv[0]), source: fromEnv[0], noProxy };
  const fromBalena = readBalenaProxy(systemDir);
  return { proxy: fromBalena?.proxy, source: fromBalena?.source, noProxy };
}

/** The route to host:port: the configured proxy unless NO_PROXY lists the destination. */
export function proxyRoute(config: ProxyConfig, host: string, port: number): ProxyRoute {
  if (!config.proxy) return { proxy: undefined, description: 'direct' };
  const bypass = config.noProxy.match(host, port);
  if (bypass !== undefined) return { proxy: undefined, description: `direct (NO_PROXY entry "${bypass}")` };
  const kind = config.proxy.protocol === 'http' ? 'HTTP' : 'SOCKS5';
  return { proxy: config.proxy, description: `via ${kind} proxy ${config.proxy.display} (from ${config.source})` };
}
