// "Any available": the least busy free resource, ties taken in turn.
import t from 'tap';
import { pickResource } from '../../service/src/availability/assign.ts';

t.test('the least busy candidate wins', async (t) => {
  const load = new Map([
    ['dr-a', 5],
    ['dr-b', 2],
    ['dr-c', 3],
  ]);
  t.equal(pickResource(['dr-a', 'dr-b', 'dr-c'], load), 'dr-b');
  t.equal(pickResource(['dr-a', 'dr-c'], load), 'dr-c', 'only free resources are candidates');
  t.equal(pickResource(['dr-a', 'dr-new'], load), 'dr-new', 'no bookings counts as 0');
  t.equal(pickResource(['dr-a', 'dr-b', 'dr-c'], load, 'dr-b'), 'dr-b', 'load comes before the rotation');
});

t.test('ties go round-robin after the last assigned, in id order, wrapping', async (t) => {
  const even = new Map<string, number>();
  t.equal(pickResource(['dr-c', 'dr-a', 'dr-b'], even), 'dr-a');
  t.equal(pickResource(['dr-c', 'dr-a', 'dr-b'], even, 'dr-a'), 'dr-b');
  t.equal(pickResource(['dr-c', 'dr-a', 'dr-b'], even, 'dr-b'), 'dr-c');
  t.equal(pickResource(['dr-c', 'dr-a', 'dr-b'], even, 'dr-c'), 'dr-a', 'wraps');
  t.equal(pickResource(['dr-a', 'dr-c'], even, 'dr-b'), 'dr-c', 'the last assigned need not be free now');

  // Booking one after another, updating the load, spreads the bookings evenly.
  const load = new Map<string, number>();
  const order: string[] = [];
  let last: string | undefined;
  for (let i = 0; i < 6; i++) {
    last = pickResource(['dr-b', 'dr-a', 'dr-c'], load, last)!;
    load.set(last, (load.get(last) ?? 0) + 1);
    order.push(last);
  }
  t.strictSame(order, ['dr-a', 'dr-b', 'dr-c', 'dr-a', 'dr-b', 'dr-c']);
});

t.test('no candidates, no resource', async (t) => {
  t.equal(pickResource([], new Map()), undefined);
});
