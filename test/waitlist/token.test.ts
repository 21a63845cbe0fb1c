// Offer links are manage-link tokens with their own purpose: neither kind opens the other's door.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import {
  signManageToken,
  signWaitlistToken,
  verifyManageToken,
  verifyWaitlistToken,
} from '../../service/src/booking/manage-token.ts';

const key = Buffer.alloc(32, 3);
const bookingId = randomUUID();
const expiresAt = 1_900_000_000;

t.test('a waitlist token says its booking and expiry, and is no manage token', async (t) => {
  const token = signWaitlistToken(key, { bookingId, expiresAt });
  t.equal(token.length, 52, 'as short as a manage link');
  t.same(verifyWaitlistToken(key, token), { bookingId, expiresAt });
  t.throws(() => verifyManageToken(key, token), { status: 403, code: 'invalid_token' }, 'cannot cancel or move');
  t.throws(
    () => verifyWaitlistToken(Buffer.alloc(32, 4), token),
    { status: 403, code: 'invalid_token' },
    'another key',
  );
  const altered = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
  t.throws(() => verifyWaitlistToken(key, altered), { status: 403, code: 'invalid_token' }, 'altered');
});

t.test('a manage token is no waitlist token', async (t) => {
  for (const purpose of ['cancel', 'reschedule'] as const) {
    const token = signManageToken(key, { bookingId, purpose, expiresAt, linkVersion: 1 });
    t.equal(verifyManageToken(key, token).purpose, purpose);
    t.throws(() => verifyWaitlistToken(key, token), { status: 403, code: 'invalid_token' }, purpose);
  }
});
