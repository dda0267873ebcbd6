import { attr, INTERRUPTED, type ToxicDefinition } from './types';

/**
 * Drops all data. With timeout > 0 the stream is closed once that long passes without incoming data; with 0 the
 * connection hangs. Removing the toxic closes the connections it affected (closeOnRemove), like the Go server.
 */
export const timeout: ToxicDefinition = {
  attributes: ['timeout'],
  closeOnRemove: true,
  async pipe(stub, attributes) {
    const ms = attr(attributes, 'timeout');
    for (;;) {
      const item = await stub.take(ms > 0 ? ms : undefined);
      if (item === INTERRUPTED) return;
      if (typeof item === 'symbol' || item === null) return stub.close();
    }
  },
};
