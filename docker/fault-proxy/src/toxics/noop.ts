import type { ToxicDefinition } from './types';

/** Passes everything through. Also what a stage runs when toxicity says this connection is not affected. */
export const noop: ToxicDefinition = {
  attributes: [],
  async pipe(stub) {
    for (;;) {
      const item = await stub.take();
      if (typeof item === 'symbol') return;
      if (item === null) return stub.close();
      stub.emit(item);
    }
  },
};
