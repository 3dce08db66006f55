import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpErrorCode } from './http-error.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/** Minimal method + path router; `:name` segments become params. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/:([a-zA-Z]+)/g, (_, key: string) => {
          keys.push(key);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  /** Returns false when no route matched, so the caller can answer 404 or 405. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      const params = decodeParams(route.keys, m);
      if (params === null) {
        sendError(res, 400, HttpErrorCode.BadPath, `${url.pathname} has a malformed %-escape; percent-encode "%" itself as %25`);
        return true;
      }
      await route.handler(req, res, params);
      return true;
    }
    if (pathMatched) {
      sendError(res, 405, HttpErrorCode.Method, `${req.method} is not allowed on ${url.pathname}`);
      return true;
    }
    return false;
  }
}

/** The matched `:name` segments, percent-decoded; null when one is not valid percent-encoding (the client's mistake, not ours). */
function decodeParams(keys: readonly string[], match: RegExpExecArray): Record<string, string> | null {
  const params: Record<string, string> = {};
  try {
    keys.forEach((k, i) => (params[k] = decodeURIComponent(match[i + 1]!)));
  } catch (err) {
    if (err instanceof URIError) return null;
    throw err;
  }
  return params;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
