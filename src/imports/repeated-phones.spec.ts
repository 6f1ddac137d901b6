import { RepeatedPhones } from './repeated-phones';

describe('RepeatedPhones', () => {
  it('lists exactly the phones seen more than once, across batches and table growth', () => {
    const repeats = new RepeatedPhones();
    const expected = new Set<string>();
    const all: number[] = [];
    for (let i = 0; i < 300_000; i++) all.push(6281200000000 + i * 7919);
    for (let i = 0; i < all.length; i += 97) expected.add(`+${all[i]}`);
    for (let start = 0; start < all.length; start += 2000) repeats.add(Float64Array.from(all.slice(start, start + 2000)));
    // The repeats come in later batches, some twice.
    repeats.add(Float64Array.from([...expected].map((p) => Number(p.slice(1)))));
    repeats.add(Float64Array.from([...expected].slice(0, 10).map((p) => Number(p.slice(1)))));
    expect(new Set(repeats.list())).toEqual(expected);
  });

  it('keeps 15-digit numbers exact and tells neighbours apart', () => {
    const repeats = new RepeatedPhones();
    repeats.add(Float64Array.from([999999999999999, 999999999999998, 999999999999999, 1]));
    expect(repeats.list()).toEqual(['+999999999999999']);
  });
});
