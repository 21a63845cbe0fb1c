import t from 'tap';
import { cleanName, regionOf, validatePatient } from '../../service/src/booking/patient.ts';

const base = { name: 'Jane Doe', phone: '07911 123456', locale: 'en-GB' };

t.test('the phone number is read in the country of the page’s locale and stored in E.164', async (t) => {
  t.equal(regionOf('en-GB'), 'GB');
  t.equal(regionOf('en-US'), 'US');
  t.equal(regionOf('fr'), 'FR', 'a language alone gives its likely region');
  t.equal(regionOf('not a locale!'), undefined);
  t.equal(validatePatient(base).phone, '+447911123456');
  t.equal(validatePatient({ ...base, phone: '(415) 555-2671', locale: 'en-US' }).phone, '+14155552671');
  t.equal(validatePatient({ ...base, phone: '+1 415 555 2671' }).phone, '+14155552671', 'a + number needs no locale');
  t.throws(() => validatePatient({ ...base, phone: '(415) 555-2671' }), { code: 'invalid_phone' }, 'not a GB number');
  t.throws(() => validatePatient({ ...base, phone: '+44 7700 900123' }), { code: 'invalid_phone' }, 'unassigned');
});

t.test('names: any script and emoji; controls and bidi overrides removed; 1–100 characters', async (t) => {
  t.equal(cleanName('  Ana\u0000 María \u202Eدوست\u202C  '), 'Ana María دوست');
  t.equal(cleanName('👩🏽‍⚕️ 山田 太郎'), '👩🏽‍⚕️ 山田 太郎', 'emoji sequences keep their joiners');
  t.equal(validatePatient({ ...base, name: 'é'.repeat(100) }).name.length, 100);
  t.throws(() => validatePatient({ ...base, name: 'é'.repeat(101) }), { code: 'invalid_details' });
  t.throws(() => validatePatient({ ...base, name: '\u202E\u2066' }), { code: 'invalid_details' });
});

t.test('e-mail is optional but must look like one', async (t) => {
  t.equal(validatePatient({ ...base, email: '  ' }).email, undefined);
  t.equal(validatePatient({ ...base, email: ' jane@example.co.uk ' }).email, 'jane@example.co.uk');
  for (const email of ['jane', 'jane@', '@example.com', 'jane@example', 'ja ne@example.com']) {
    t.throws(() => validatePatient({ ...base, email }), { code: 'invalid_details' }, email);
  }
});
