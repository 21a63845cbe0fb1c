// The org's quiet hours as the reminders use them: read from the booking page, and never narrower
// than the service's 21:00-08:00 (an org may only be stricter).
import t from 'tap';
import { quietHoursOf } from '../../service/src/reminders/rules.ts';

const page = (start: unknown, end: unknown) => ({ Id: 'a0B', Quiet_Hours_Start__c: start, Quiet_Hours_End__c: end });

t.test('a narrower window than the default is widened to it', async (t) => {
  t.same(quietHoursOf(page('00:00:00.000Z', '00:01:00.000Z')), { start: '21:00', end: '08:00' });
  t.same(quietHoursOf(page('22:00:00.000Z', '07:00:00.000Z')), { start: '21:00', end: '08:00' });
  t.same(quietHoursOf(page('23:00:00.000Z', '09:30:00.000Z')), { start: '21:00', end: '09:30' }, 'each side alone');
});

t.test('a stricter window is kept as the org wrote it', async (t) => {
  t.same(quietHoursOf(page('20:00:00.000Z', '09:00:00.000Z')), { start: '20:00', end: '09:00' });
  t.same(quietHoursOf(page('19:30:15.000Z', '08:00:00.000Z')), { start: '19:30', end: '08:00' });
});

t.test('no page, empty fields or something that is not a time: the default', async (t) => {
  t.same(quietHoursOf(undefined), { start: '21:00', end: '08:00' });
  t.same(quietHoursOf(page(null, null)), { start: '21:00', end: '08:00' });
  t.same(quietHoursOf(page('20:00:00.000Z', null)), { start: '20:00', end: '08:00' });
  t.same(quietHoursOf(page('late', '08:00:00.000Z')), { start: '21:00', end: '08:00' });
  t.same(quietHoursOf(page(2100, 800)), { start: '21:00', end: '08:00' });
});
