import { describe, expect, it } from 'vitest';

import { pageSpot } from './paging';

describe('pageSpot', () => {
  it('places an exact page and stops at the end', () => {
    expect(pageSpot({ offset: 50, limit: 50, shown: 50, total: 122 })).toEqual({
      first: 51, last: 100, totalLabel: '122', page: 2, pages: 3, hasPrevious: true, hasNext: true,
    });
    expect(pageSpot({ offset: 100, limit: 50, shown: 22, total: 122 }).hasNext).toBe(false);
    expect(pageSpot({ offset: 0, limit: 50, shown: 0, total: 0 })).toEqual({
      first: 0, last: 0, totalLabel: '0', page: 1, pages: 1, hasPrevious: false, hasNext: false,
    });
  });

  it('counts the rows of an exact page from the total when not told', () => {
    expect(pageSpot({ offset: 100, limit: 50, total: 122 })).toMatchObject({ first: 101, last: 122, page: 3, hasNext: false });
    expect(pageSpot({ offset: 0, limit: 50, total: 0 })).toMatchObject({ first: 0, last: 0, hasNext: false });
  });

  it('says a bounded count is a lower bound and pages on while pages are full', () => {
    const spot = pageSpot({ offset: 100_000, limit: 50, shown: 50, total: 100_000, count: 'at_least' });
    expect(spot.totalLabel).toBe('100,000+');
    expect(spot.hasNext).toBe(true);
    expect(spot.pages).toBeNull();
    expect(pageSpot({ offset: 100_050, limit: 50, shown: 20, total: 100_000, count: 'at_least' }).hasNext).toBe(false);
  });

  it('says an estimate is one', () => {
    expect(pageSpot({ offset: 0, limit: 50, shown: 50, total: 593_829, count: 'estimate' }).totalLabel).toBe('about 593,829');
  });
});
