import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from '../http/router.js';

/** The page's files live in the package's dashboard/ folder, next to dist/. */
const assetDir = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * xterm.js and its fit addon come from npm (node_modules), served from here: the browser loads
 * nothing from anywhere else. Their UMD builds define globals, so no bundler is needed.
 */
const require = createRequire(import.meta.url);
const vendor: Record<string, string> = {
  'xterm.js': require.resolve('@xterm/xterm/lib/xterm.js'),
  'xterm.css': require.resolve('@xterm/xterm/css/xterm.css'),
  'addon-fit.js': require.resolve('@xterm/addon-fit/lib/addon-fit.js'),
};

const securityHeaders = {
  // The page talks only to this server and runs only its own scripts. xterm.js sets inline
  // styles on the elements it draws (hence 'unsafe-inline' for styles, never for scripts).
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function serve(res: ServerResponse, body: Buffer, type: string): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...securityHeaders });
  res.end(body);
}

function typeOf(file: string): string {
  return types[path.extname(file)] ?? 'application/octet-stream';
}

/** GET / and /dashboard/: the dashboard (device list, device page, terminal, recordings), logged in with an API token. */
export function registerDashboardRoutes(router: Router): void {
  const files: [string, string][] = [
    ...readdirSync(assetDir).map((f): [string, string] => [f === 'index.html' ? '/dashboard/' : `/dashboard/${f}`, path.join(assetDir, f)]),
    ...Object.entries(vendor).map(([name, file]): [string, string] => [`/dashboard/vendor/${name}`, file]),
  ];
  for (const [route, file] of files) {
    const body = readFileSync(file);
    router.on('GET', route, (_req, res) => serve(res, body, typeOf(file)));
  }
  const redirect = (_req: unknown, res: ServerResponse): void => {
    res.writeHead(302, { location: '/dashboard/' });
    res.end();
  };
  router.on('GET', '/', redirect);
  router.on('GET', '/dashboard', redirect);
}
