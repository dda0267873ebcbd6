// The load driver's HTTP/1.1 answer parser, pinned by a differential test against http-parser-js (the
// parser autocannon uses): the same bytes, sent in awkward pieces by a real socket, must give the same
// status, headers and body. Trailers are not headers of the answer in either.
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HTTPParser } from 'http-parser-js';
import { Http1Connection, type Http1Answer } from './http1';

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** http-parser-js's reading of a whole response, headers lower-cased and repeats joined as Http1Answer does. */
function reference(bytes: Buffer): Parsed {
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  let status = 0;
  const headers: Record<string, string> = {};
  const body: Buffer[] = [];
  parser[HTTPParser.kOnHeadersComplete] = (info: { statusCode: number; headers: string[] }) => {
    status = info.statusCode;
    for (let i = 0; i < info.headers.length; i += 2) {
      const name = info.headers[i]!.toLowerCase();
      headers[name] = name in headers ? `${headers[name]}, ${info.headers[i + 1]}` : info.headers[i + 1]!;
    }
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) => void body.push(chunk.subarray(offset, offset + length));
  parser.execute(bytes);
  parser.finish();
  return { status, headers, body: Buffer.concat(body).toString('latin1') };
}

/** Http1Connection's reading of the same bytes, written by a server in `pieces` (then closed if `close`). */
async function ours(pieces: readonly Buffer[], close: boolean): Promise<Parsed> {
  const server = net.createServer((socket) => {
    const send = async () => {
      for (const piece of pieces) {
        socket.write(piece);
        await new Promise((r) => setTimeout(r, 5)); // separate TCP segments: the parser sees each piece apart
      }
      if (close) socket.end();
    };
    socket.once('data', () => void send().catch((e: Error) => socket.destroy(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const conn = await new Promise<Http1Connection>((resolve) => {
      const c: Http1Connection = new Http1Connection('127.0.0.1', port, () => resolve(c));
    });
    // A parser that waits for bytes that never come fails here, not by hanging the run.
    const deadline = setTimeout(() => conn.abort(new Error('no complete answer within 2 s')), 2_000);
    const answer = await new Promise<Http1Answer | Error>((done) => conn.request('GET / HTTP/1.1\r\nHost: x\r\n\r\n', done));
    clearTimeout(deadline);
    conn.destroy();
    if (answer instanceof Error) throw answer;
    return { status: answer.status, headers: answer.headers, body: answer.body.toString('latin1') };
  } finally {
    server.close();
  }
}

/** The response cut after every `at` offset (a split head, a chunk size cut in two, …). */
function cut(text: string, at: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text, 'latin1');
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i]!, end));
}

const CASES: { name: string; response: string; close?: boolean; at?: number[] }[] = [
  { name: 'Content-Length, head split mid-line', response: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', at: [7, 20, 45] },
  {
    name: 'chunked with extensions and trailers',
    response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nWiki\r\n5;x="y"\r\npedia\r\n0\r\nX-Trailer: end\r\nOther: 1\r\n\r\n',
    at: [30, 50, 52, 61, 80],
  },
  {
    name: 'chunked, sizes in hex upper and lower case',
    response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n',
  },
  { name: 'no length: the body runs until the server closes', response: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end', close: true, at: [40] },
  {
    name: 'Connection: close with a length',
    response: 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\nRpc-Status: Unavailable\r\n\r\nno',
    close: true,
  },
  { name: '204 has no body', response: 'HTTP/1.1 204 No Content\r\nX-Mesh-Node: east-1\r\n\r\n' },
  { name: '304 has no body, whatever its Content-Length says', response: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n' },
  { name: 'repeated headers are joined, names lower-cased', response: 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n' },
  { name: 'the head arrives a byte at a time', response: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc', at: Array.from({ length: 40 }, (_, i) => i + 1) },
];

for (const c of CASES) {
  test(`http1 parses as http-parser-js does: ${c.name}`, async () => {
    assert.deepEqual(await ours(cut(c.response, c.at ?? []), c.close ?? false), reference(Buffer.from(c.response, 'latin1')));
  });
}
