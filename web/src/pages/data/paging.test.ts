import { describe, expect, it } from 'vitest';

import { pageSpot } from './paging';

describe('pageSpot', () => {
  it('places an exact page and stops at the end', () => {
    expect(pageSpot(50, 50, 50, 122)).toEqual({ first: 51, last: 100, totalLabel: '122', hasPrevious: true, hasNext: true });
    expect(pageSpot(100, 50, 22, 122).hasNext).toBe(false);
    expect(pageSpot(0, 50, 0, 0)).toEqual({ first: 0, last: 0, totalLabel: '0', hasPrevious: false, hasNext: false });
  });

  it('says a bounded count is a lower bound and pages on while pages are full', () => {
    const spot = pageSpot(100_000, 50, 50, 100_000, 'at_least');
    expect(spot.totalLabel).toBe('100,000+');
    expect(spot.hasNext).toBe(true);
    expect(pageSpot(100_050, 50, 20, 100_000, 'at_least').hasNext).toBe(false);
  });

  it('says an estimate is one', () => {
    expect(pageSpot(0, 50, 50, 593_829, 'estimate').totalLabel).toBe('about 593,829');
  });
});
