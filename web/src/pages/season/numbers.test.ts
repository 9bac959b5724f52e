import { describe, expect, it } from 'vitest';

import { leverage, price, quantity } from './numbers';

describe('prices and sizes', () => {
  it('gives a price the decimals its size needs', () => {
    expect(price(94120.5)).toBe('94,120.50');
    expect(price(3.45213)).toBe('3.4521');
    expect(price(0.101950386)).toBe('0.101950');
    expect(price(-12.5)).toBe('−12.5000');
    expect(price(null)).toBe('—');
  });

  it('prints quantities without trailing zeros', () => {
    expect(quantity(0.01)).toBe('0.01');
    expect(quantity(1734)).toBe('1,734');
    expect(quantity(0.1234567)).toBe('0.123457');
    expect(quantity(undefined)).toBe('—');
  });

  it('prints leverage as a multiple', () => {
    expect(leverage(2)).toBe('2x');
    expect(leverage(2.5)).toBe('2.5x');
    expect(leverage(null)).toBe('—');
  });
});
