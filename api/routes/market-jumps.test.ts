import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import type { Bar } from '../../schemas/bar.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

const minute = 60_000;
const [first, second] = binanceKlines();
if (first === undefined || second === undefined) throw new Error('no klines');
// a 2m series with a three-day gap: the bar after it says where the series jumped from
const before: Bar = { ...first, interval: '2m', closeTime: first.openTime + 2 * minute - 1 };
const openTime = first.openTime + 3 * 24 * 60 * minute;
const after: Bar = {
  ...second,
  interval: '2m',
  openTime,
  closeTime: openTime + 2 * minute - 1,
  jumpedFrom: before.openTime,
};
const path = `/v1/markets/${first.venue}/${first.symbol}/bars/2m`;

let harness: ApiHarness;
beforeAll(async () => {
  harness = await openApiHarness(pgliteTestDatabase);
  await harness.store.write({ bars: [before, after] });
}, 60_000);
afterAll(() => harness.close());

describe('bars after a jump over empty intervals in the API', () => {
  it('carry jumpedFrom in pages and as the latest bar; bars without a jump have none', async () => {
    const page = await harness.app.inject({
      method: 'GET',
      url: `${path}?from=${before.openTime}`,
      headers: bearer(harness.keys.alice),
    });
    expect(page.statusCode).toBe(200);
    const items: Bar[] = page.json().items;
    expect(items.map((bar) => bar.jumpedFrom)).toEqual([undefined, before.openTime]);
    const latest = await harness.app.inject({
      method: 'GET',
      url: `${path}/latest`,
      headers: bearer(harness.keys.alice),
    });
    expect(latest.json()).toEqual(after);
  });

  it('document jumpedFrom in the OpenAPI bar schema', async () => {
    const document = (await harness.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const text = JSON.stringify(document.paths['/v1/markets/{venue}/{symbol}/bars/{interval}/latest']);
    expect(text).toContain('"jumpedFrom"');
    expect(text).toContain('the openTime of the bar before this one');
  });
});
