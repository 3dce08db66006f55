import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpErrorCode } from '../../src/http/http-error.js';
import { Router, sendError } from '../../src/http/router.js';

/** A real HTTP server in front of the router, answering 404 where no route matched (as the server does). */
async function serve(router: Router): Promise<{ get: (path: string) => Promise<{ status: number; body: { error?: { code: string; message: string }; uuid?: string } }>; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void router.handle(req, res).then((handled) => {
      if (!handled) sendError(res, 404, HttpErrorCode.NotFound, 'nothing here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const get = (path: string) =>
    new Promise<{ status: number; body: { error?: { code: string; message: string }; uuid?: string } }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code: string; message: string } } }));
        })
        .on('error', reject);
    });
  return { get, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('HTTP router', () => {
  const router = new Router().on('GET', '/devices/:uuid', (_req, res, params) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ uuid: params['uuid'] }));
  });

  it('decodes percent-escapes in path parameters', async () => {
    const server = await serve(router);
    try {
      expect(await server.get('/devices/pi%201')).to.deep.equal({ status: 200, body: { uuid: 'pi 1' } });
    } finally {
      await server.close();
    }
  });

  it('answers a malformed %-escape with 400 and a code, not a 500', async () => {
    const server = await serve(router);
    try {
      for (const path of ['/devices/%E0%A4%A', '/devices/100%', '/devices/%zz']) {
        const { status, body } = await server.get(path);
        expect(status, path).to.equal(400);
        expect(body.error?.code, path).to.equal(HttpErrorCode.BadPath);
        expect(body.error?.message, path).to.match(/malformed %-escape/);
      }
    } finally {
      await server.close();
    }
  });

  it('answers a known path with the wrong method 405', async () => {
    const server = await serve(new Router().on('POST', '/devices/:uuid', () => undefined));
    try {
      const { status, body } = await server.get('/devices/x');
      expect(status).to.equal(405);
      expect(body.error?.code).to.equal(HttpErrorCode.Method);
    } finally {
      await server.close();
    }
  });
});
