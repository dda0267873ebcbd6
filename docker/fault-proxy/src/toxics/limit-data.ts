import { attr, type ToxicDefinition } from './types';

/** Lets `bytes` bytes through in this direction (counted per connection, across updates), then closes. */
export const limitData: ToxicDefinition = {
  attributes: ['bytes'],
  async pipe(stub, attributes) {
    const limit = attr(attributes, 'bytes');
    const state = stub.state;
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item === null) return stub.close();
      const sent = state['bytes'] ?? 0;
      const allowed = item.data.subarray(0, Math.max(0, limit - sent));
      if (allowed.length > 0) {
        stub.emit({ data: allowed, at: item.at });
        state['bytes'] = sent + allowed.length;
      }
      if (limit - (state['bytes'] ?? 0) <= 0) return stub.close();
    }
  },
};
