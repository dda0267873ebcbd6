import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { buildNode } from '../node';
import { MESH_READ, type Route, RouteTable } from './routes';

const ok =
  (body: string): Route['handle'] =>
  (_req, res) => {
    res.end(body);
  };

test('a table refuses two routes for one method and path, and matches exact paths before prefixes', () => {
  assert.throws(
    () =>
      new RouteTable([
        { method: 'GET', path: '/a', handle: ok('1') },
        { method: 'GET', path: '/a', handle: ok('2') },
      ]),
    /two routes for GET \/a/,
  );
  const table = new RouteTable([
    { method: 'POST', path: '/chaos/*', handle: ok('prefix') },
    { method: 'POST', path: '/chaos/x', handle: ok('exact') },
    { method: 'GET', path: '/a', handle: ok('a') },
  ]);
  assert.equal(table.find('POST', '/chaos/x')?.path, '/chaos/x');
  assert.equal(table.find('POST', '/chaos/y:start')?.path, '/chaos/*');
  assert.equal(table.find('HEAD', '/a')?.path, '/a', 'HEAD is served by the GET route');
  assert.equal(table.find('POST', '/a'), undefined);
  assert.deepEqual(table.allowed('/a'), ['GET']);
  assert.deepEqual(table.allowed('/nowhere'), []);
});

test('a route with scopes answers 403 problem+json without the header, and runs with any accepted scope', async (t) => {
  const table = new RouteTable([{ method: 'GET', path: '/v', scopes: MESH_READ, handle: ok('seen') }]);
  const server = createServer((req, res) => void table.dispatch(req, res, new URL(req.url ?? '/', 'http://x')));
  t.after(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const get = (headers: Record<string, string>) => fetchText(server, '/v', headers);
  const refused = await get({});
  assert.equal(refused.status, 403);
  assert.equal(JSON.parse(refused.body).code, 'shards.control.scope.missing');
  assert.deepEqual(await get({ 'x-mesh-scope': 'other; Mesh.Operate' }), { status: 200, body: 'seen' });
  assert.deepEqual(await get({ 'x-mesh-scope': 'mesh.read' }), { status: 200, body: 'seen' });
});

const node = buildNode(loadConfig({ RELAY_NODE_ID: 'n' }), { log: createLogger({}, 'error', () => undefined) });
after(() => node.close());

test("every route the node serves is documented in relay-node's README or docs, as `METHOD path`", () => {
  const root = new URL('../../', import.meta.url);
  const docs = [
    readFileSync(new URL('README.md', root), 'utf8'),
    ...readdirSync(new URL('docs/', root)).map((f) => readFileSync(new URL(`docs/${f}`, root), 'utf8')),
  ].join('\n');
  const undocumented = node.routes.routes.map((r) => `${r.method} ${r.path.replace(/\*$/, '')}`).filter((route) => !docs.includes(route));
  assert.ok(node.routes.routes.length >= 25, `the node's table has ${node.routes.routes.length} routes`);
  assert.deepEqual(undocumented, []);
});

function fetchText(server: Server, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
