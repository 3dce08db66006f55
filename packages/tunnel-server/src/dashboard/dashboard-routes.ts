import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Router } from '../http/router.js';

/** The page's files live in the package's dashboard/ folder, next to dist/. */
const assetDir = new URL('../../../dashboard/', import.meta.url);

const assets: Record<string, { file: string; type: string }> = {
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const securityHeaders = {
  // The page talks only to this server and runs only its own script.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function serve(res: ServerResponse, body: Buffer, type: string): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...securityHeaders });
  res.end(body);
}

/** GET / and /dashboard/: the device dashboard (it logs in with an API token and polls the JSON API). */
export function registerDashboardRoutes(router: Router): void {
  for (const [path, asset] of Object.entries(assets)) {
    const body = readFileSync(new URL(asset.file, assetDir));
    router.on('GET', path, (_req, res) => serve(res, body, asset.type));
  }
  const redirect = (_req: unknown, res: ServerResponse): void => {
    res.writeHead(302, { location: '/dashboard/' });
    res.end();
  };
  router.on('GET', '/', redirect);
  router.on('GET', '/dashboard', redirect);
}
