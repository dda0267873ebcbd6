import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertEngineNotWedged, EngineWedgedError, markEngineWedged } from './engine';

test('a wedged engine is remembered: later operations fail at once, naming the first stuck operation and the fix', () => {
  assert.doesNotThrow(() => assertEngineNotWedged());
  const error = markEngineWedged('removing container ring-5 took over 60 s');
  assert.ok(error instanceof EngineWedgedError);
  markEngineWedged('a later symptom');
  assert.throws(
    () => assertEngineNotWedged(),
    (e: Error) =>
      e instanceof EngineWedgedError &&
      /removing container ring-5 took over 60 s/.test(e.message) &&
      !/later symptom/.test(e.message) &&
      /moby\/moby#46661/.test(e.message) &&
      /restart/.test(e.message),
  );
});
