// RFC 9457 problem+json answers of the control routes: {type, title, status, detail, code, metadata}.
import type { ServerResponse } from 'node:http';

const TITLES: Record<number, [string, string]> = {
  400: ['Bad Request', '15.5.1'],
  403: ['Forbidden', '15.5.4'],
  404: ['Not Found', '15.5.5'],
  409: ['Conflict', '15.5.10'],
  500: ['Internal Server Error', '15.6.1'],
  502: ['Bad Gateway', '15.6.3'],
  503: ['Service Unavailable', '15.6.4'],
};

export function problem(res: ServerResponse, status: number, code: string, detail: string, metadata: Record<string, string> = {}): void {
  const [title, section] = TITLES[status] ?? ['Error', '15'];
  const body = JSON.stringify({ type: `https://tools.ietf.org/html/rfc9110#section-${section}`, title, status, detail, code, metadata });
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
