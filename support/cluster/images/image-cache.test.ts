import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preparedImages } from './image-cache';

test("a runner's prepared images are read by kind; a malformed value names the variable and its shape", () => {
  assert.deepEqual(preparedImages({}), {});
  assert.deepEqual(preparedImages({ OMNIRELAY_HYPERSCALE_PREPARED_IMAGES: '{"etcd":"omnirelay-hyperscale/etcd:abc"}' }), {
    etcd: 'omnirelay-hyperscale/etcd:abc',
  });
  assert.throws(() => preparedImages({ OMNIRELAY_HYPERSCALE_PREPARED_IMAGES: 'etcd=x' }), /OMNIRELAY_HYPERSCALE_PREPARED_IMAGES=etcd=x is not a JSON object/);
  assert.throws(() => preparedImages({ OMNIRELAY_HYPERSCALE_PREPARED_IMAGES: '{"etcd":1}' }), /not a JSON object of image kind to reference/);
});
