import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contentTypeFor, fileFor, serveDirectory } from './static-server';

test('request paths map into the root and never out of it', () => {
  const root = resolve('/srv/report');
  assert.equal(fileFor(root, '/'), join(root, 'index.html'));
  assert.equal(fileFor(root, '/data/attachments/abc.svg?attachment'), join(root, 'data/attachments/abc.svg'));
  assert.equal(fileFor(root, '/a%20b.json'), join(root, 'a b.json'));
  // The URL parser folds /../ and /%2e%2e/ at the root: they stay inside.
  assert.equal(fileFor(root, '/../etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(fileFor(root, '/%2e%2e/%2e%2e/etc/passwd'), join(root, 'etc/passwd'));
  // An encoded slash survives the URL parser and is decoded afterwards: refused.
  assert.equal(fileFor(root, '/..%2f..%2fetc/passwd'), undefined);
  assert.equal(fileFor(root, '/%E0%A4%A'), undefined);
  assert.equal(fileFor(root, '/a%00b'), undefined);
});

test('an SVG is served as image/svg+xml, which the report needs to draw it', () => {
  assert.equal(contentTypeFor('data/attachments/x.svg'), 'image/svg+xml');
  assert.match(contentTypeFor('index.html'), /^text\/html/);
  assert.match(contentTypeFor('widgets/tree.json'), /^application\/json/);
  assert.equal(contentTypeFor('data/attachments/noext'), 'application/octet-stream');
});

test('serves files on 127.0.0.1, 404s the rest, and closes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'report-check-'));
  try {
    await mkdir(join(root, 'data'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>r</title>');
    await writeFile(join(root, 'data', 't.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const server = await serveDirectory(root);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(server.url);
      assert.equal(index.status, 200);
      assert.match(await index.text(), /<title>r<\/title>/);
      const svg = await fetch(new URL('data/t.svg?attachment', server.url));
      assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
      assert.match(await svg.text(), /^<svg/);
      assert.equal((await fetch(new URL('missing.json', server.url))).status, 404);
      assert.equal((await fetch(new URL('data', server.url))).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(server.url));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
