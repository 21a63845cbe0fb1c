// The pure parts of the webhooks: status order, reply keywords, number forms.
import fc from 'fast-check';
import t from 'tap';
import { classifyReply, normaliseReply } from '../../service/src/sms/keywords.ts';
import { maskNumber, webhookNumberToE164 } from '../../service/src/sms/reply-texts.ts';
import {
  TWILIO_STATUSES,
  isEndState,
  orgStatusValue,
  settle,
  shouldApply,
  type TwilioStatus,
} from '../../service/src/sms/status.ts';

const OUTBOUND: TwilioStatus[] = TWILIO_STATUSES.filter((s) => s !== 'receiving' && s !== 'received');

t.test('any order of the same callbacks settles on the same status', async () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.constantFrom(...OUTBOUND), { minLength: 1, maxLength: 12 })
        .chain((callbacks) =>
          fc.tuple(fc.constant(callbacks), fc.shuffledSubarray(callbacks, { minLength: callbacks.length })),
        ),
      ([inOrder, shuffled]) => settle(null, inOrder) === settle(null, shuffled),
    ),
  );
});

t.test('a status never moves a message backwards; a repeated one changes nothing', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...OUTBOUND), fc.constantFrom(...OUTBOUND), (a, b) => {
      // Exactly one direction applies between different statuses, and neither for equal ones.
      if (a === b) return !shouldApply(a, b);
      return shouldApply(a, b) !== shouldApply(b, a);
    }),
  );
  const lifecycle: TwilioStatus[] = ['accepted', 'queued', 'sending', 'sent', 'delivered', 'read'];
  for (let i = 1; i < lifecycle.length; i++) {
    t.ok(shouldApply(lifecycle[i - 1]!, lifecycle[i]!), `${lifecycle[i - 1]} → ${lifecycle[i]}`);
    t.notOk(shouldApply(lifecycle[i]!, lifecycle[i - 1]!), `${lifecycle[i]} ↛ ${lifecycle[i - 1]}`);
  }
  t.ok(shouldApply('scheduled', 'accepted'));
  t.ok(shouldApply(null, 'queued'), 'a message without a status takes any');
  t.notOk(shouldApply('delivered', 'sent'), 'a late "sent" after "delivered" is ignored');
  t.notOk(shouldApply('failed', 'queued'));
  t.ok(shouldApply('undelivered', 'delivered'), 'a delivery receipt after a failure report wins');
  t.equal(settle(null, ['delivered', 'sent', 'queued']), 'delivered');
  t.equal(settle('sending', ['queued']), 'sending');
});

t.test('end states and the org picklist', async (t) => {
  t.ok(isEndState('delivered'));
  t.ok(isEndState('canceled'));
  t.notOk(isEndState('sent'));
  const picklist = new Set(['Queued', 'Sent', 'Delivered', 'Undelivered', 'Failed', 'Received']);
  for (const status of TWILIO_STATUSES) t.ok(picklist.has(orgStatusValue(status)), status);
  t.equal(orgStatusValue('accepted'), 'Queued');
  t.equal(orgStatusValue('read'), 'Delivered');
  t.equal(orgStatusValue('canceled'), 'Failed');
});

t.test("Twilio's keywords as Twilio reads them; ours besides", async (t) => {
  const cases: [string, string][] = [
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    ['  Stop! ', 'opt_out'],
    ['ｓｔｏｐ', 'opt_out'],
    ['STOP 🙏', 'opt_out'],
    ['🛑stop🛑', 'opt_out'],
    ['StopAll', 'opt_out'],
    ['unsubscribe.', 'opt_out'],
    ['CANCEL', 'opt_out'],
    ['end', 'opt_out'],
    ['Quit', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['revoke', 'opt_out'],
    ['START', 'opt_in'],
    ['yes', 'opt_in'],
    ['YES!', 'opt_in'],
    ['unstop', 'opt_in'],
    ['help', 'help'],
    ['Info?', 'help'],
    ['C', 'confirm'],
    ['c', 'confirm'],
    ['Ｃ', 'confirm'],
    ['confirm 👍', 'confirm'],
    ['r', 'reschedule'],
    ['Reschedule.', 'reschedule'],
    ['STOP PLEASE', 'other'],
    ['please cancel', 'other'],
    ['c u tomorrow', 'other'],
    ['Да', 'other'],
    ['نعم', 'other'],
    ['👍', 'other'],
    ['', 'other'],
  ];
  for (const [body, intent] of cases) t.equal(classifyReply(body).intent, intent, JSON.stringify(body));
  t.same(classifyReply('STOP'), { intent: 'opt_out', answeredByTwilio: true });
  t.same(classifyReply('YES'), { intent: 'opt_in', answeredByTwilio: true });
  t.same(classifyReply('HELP'), { intent: 'help', answeredByTwilio: false }, 'we answer HELP with the clinic');
  t.same(classifyReply('C'), { intent: 'confirm', answeredByTwilio: false });
  t.same(classifyReply('ARRET', 'STOP'), { intent: 'opt_out', answeredByTwilio: true }, "Twilio's OptOutType wins");
  t.same(classifyReply('AIDE', 'help'), { intent: 'help', answeredByTwilio: true });
  t.equal(classifyReply('C', 'SOMETHING').intent, 'confirm', 'an unknown OptOutType is ignored');
});

t.test('normalising never throws and yields letters and digits at both ends', async () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (body) => {
      const word = normaliseReply(body);
      return word === '' || (/^[\p{L}\p{N}]/u.test(word) && /[\p{L}\p{N}]$/u.test(word));
    }),
  );
});

t.test('webhook numbers: E.164 or nothing', async (t) => {
  t.equal(webhookNumberToE164('+447911123456'), '+447911123456');
  t.equal(webhookNumberToE164(' +44 7911 123456 '), '+447911123456');
  t.equal(webhookNumberToE164('+99912345678'), '+99912345678', 'an unplaceable + number is kept');
  t.equal(webhookNumberToE164('07911123456'), undefined, 'no country');
  t.equal(webhookNumberToE164('12345'), undefined, 'a short code');
  t.equal(webhookNumberToE164('CLINIC'), undefined, 'an alphanumeric sender');
  t.equal(webhookNumberToE164('+'), undefined);
});

t.test('masked numbers show the country and last four digits only', async (t) => {
  t.equal(maskNumber('+447911123456'), '+44••••••3456');
  t.equal(maskNumber('+15005550006'), '+1••••••0006');
  fc.assert(
    fc.property(fc.stringMatching(/^\+[1-9]\d{6,14}$/), (e164) => {
      const masked = maskNumber(e164);
      // At most the country code (3 digits) and the last four digits are shown.
      const shownDigits = masked.replace(/\D/g, '').length;
      return masked.length <= 20 && masked.endsWith(e164.slice(-4)) && shownDigits <= 7 && masked.startsWith('+');
    }),
  );
});
