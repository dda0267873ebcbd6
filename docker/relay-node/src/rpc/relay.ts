// Relaying another node's answer back to our caller: status and headers as it sent them (less the
// hop-by-hop ones and our own X-Mesh-Received-By; X-Mesh-Node names the node that served), body streamed.
import type { IncomingMessage, ServerResponse } from "node:http";
import { MESH_NODE_HEADER } from "./inbound";

const NOT_RELAYED = /^(connection|keep-alive|transfer-encoding|x-mesh-received-by)$/i;

export function relayAnswer(answer: IncomingMessage, res: ServerResponse, onEnd: () => void): void {
  const relayed: string[] = [];
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
    const name = answer.rawHeaders[i] ?? "";
    if (!NOT_RELAYED.test(name)) relayed.push(name, answer.rawHeaders[i + 1] ?? "");
  }
  res.removeHeader(MESH_NODE_HEADER);
  res.writeHead(answer.statusCode ?? 502, relayed);
  answer.pipe(res);
  answer.on("end", onEnd);
  answer.on("error", () => res.destroy());
}
