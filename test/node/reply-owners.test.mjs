// The reply router's bounds (src/connection/reply-owners.ts), on the built module: awaited slots refuse past
// their bound; slots whose requests gave up stop counting until as many are expired, and none is ever
// dropped while its reply may still come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyOwners } from '../../dist/connection/reply-owners.js';

const reply = (id) => ({ type: 'memory_compress_preview_response', requestId: id });

test('expired slots free the bound, keep routing a late reply to their owner, and are bounded themselves', async () => {
  const { replyKey } = await import('../../dist/protocol/requests.js');
  const owners = new ReplyOwners(3);
  const k = (id) => replyKey('memory_compress_preview_response', id);
  for (const id of [1, 2, 3]) assert.equal(owners.add(k(id), `owner${id}`), true);
  assert.equal(owners.add(k(4), 'owner4'), false, 'full: refused');
  owners.release((o) => o === 'owner1' || o === 'owner2', false);
  assert.deepEqual([owners.size, owners.expiredSize], [1, 2]);
  assert.equal(owners.add(k(4), 'owner4'), true);
  assert.equal(owners.add(k(5), 'owner5'), true);
  assert.equal(owners.add(k(6), 'owner6'), false);
  // A late reply still reaches its owner, once.
  assert.equal(owners.claim(reply(1)), 'owner1');
  assert.equal(owners.claim(reply(1)), undefined);
  // The expired bound (3): past it a slot that gives up keeps counting.
  owners.release(() => true, false);
  assert.deepEqual([owners.size, owners.expiredSize], [1, 3]);
  // An owner that left: its reply is for no one (null), never another owner.
  owners.release(() => true, true);
  assert.equal(owners.claim(reply(5)), null);
  assert.equal(owners.claim(reply(2)), null);
});
