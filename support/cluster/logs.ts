import { docker } from './engine';

/** A container's stdout and stderr as text, oldest first. */
export async function containerLogs(containerId: string, tail = 2_000): Promise<string> {
  const container = docker().getContainer(containerId);
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail, timestamps: true })) as unknown as Buffer;
  // Without a TTY the engine multiplexes both streams, framing each chunk with an 8-byte header.
  const chunks: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length;) {
    const size = raw.readUInt32BE(offset + 4);
    chunks.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8');
}
