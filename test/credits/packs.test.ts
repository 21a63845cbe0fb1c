import t from 'tap';
import { findPack, lowBalance, parseCreditPacks } from '../../service/src/credits/packs.ts';

t.test('a pack is found by its size and currency, its price from the configuration', async (t) => {
  const parsed = parseCreditPacks('100:1500:USD,100:1400:EUR');
  if (!('packs' in parsed)) throw new Error(parsed.problem);
  t.same(findPack(parsed.packs, 100, 'EUR'), { credits: 100, price: { minor: 1400, currency: 'EUR' } });
  t.equal(findPack(parsed.packs, 100, 'GBP'), undefined);
  t.equal(findPack(parsed.packs, 101, 'USD'), undefined);
});

t.test('a balance at or below the threshold is low', async (t) => {
  t.equal(lowBalance(51, 50), false);
  t.equal(lowBalance(50, 50), true);
  t.equal(lowBalance(0, 50), true);
  t.equal(lowBalance(0, 0), true, 'an empty balance is always worth a warning');
  t.equal(lowBalance(1, 0), false);
});
