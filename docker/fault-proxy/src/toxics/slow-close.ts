import { attr, type ToxicDefinition } from './types';

/** Data passes untouched; the end of the stream is held back for `delay` ms. */
export const slowClose: ToxicDefinition = {
  attributes: ['delay'],
  async pipe(stub, attributes) {
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item !== null) {
        stub.emit(item);
        continue;
      }
      // Interrupted while holding the end: hand it back so an update re-times it and a removal releases it.
      if (!(await stub.sleep(attr(attributes, 'delay')))) return stub.putBack(null);
      return stub.close();
    }
  },
};
