import { describe, expect, it } from 'vitest';

import { changeView, readView, seasonPath, symbolOf } from './seasonView';

const SYMBOLS = ['BTC/USDT:USDT', 'ETH/USDT:USDT'];

describe('the view in the URL', () => {
  it('defaults to the model chat, every coin, the first page', () => {
    expect(readView(new URLSearchParams())).toEqual({ tab: 'chat', coin: null, page: 1 });
  });

  it('reads a tab, a coin and a page, and ignores what it cannot read', () => {
    expect(readView(new URLSearchParams('tab=orders&coin=BTC&page=3'))).toEqual({ tab: 'orders', coin: 'BTC', page: 3 });
    expect(readView(new URLSearchParams('tab=nope&page=-2'))).toEqual({ tab: 'chat', coin: null, page: 1 });
    expect(readView(new URLSearchParams('page=abc')).page).toBe(1);
  });

  it('starts again at the first page when the tab or coin changes', () => {
    const params = new URLSearchParams('tab=orders&coin=BTC&page=3');
    expect(changeView(params, { tab: 'trades' }).toString()).toBe('tab=trades&coin=BTC');
    expect(changeView(params, { coin: 'ETH' }).toString()).toBe('tab=orders&coin=ETH');
    expect(changeView(params, { page: 4 }).toString()).toBe('tab=orders&coin=BTC&page=4');
  });

  it('leaves defaults out of the link', () => {
    expect(changeView(new URLSearchParams('tab=orders&coin=BTC'), { tab: 'chat', coin: null }).toString()).toBe('');
  });

  it('builds the path of the season or of one entry, keeping the view but not the page', () => {
    const params = new URLSearchParams('tab=chart&coin=ETH&page=2');
    expect(seasonPath(2, null, params)).toBe('/seasons/2?tab=chart&coin=ETH');
    expect(seasonPath(2, 'fake gpt', params)).toBe('/seasons/2/entries/fake%20gpt?tab=chart&coin=ETH');
    expect(seasonPath(1, 'ema-trend', new URLSearchParams())).toBe('/seasons/1/entries/ema-trend');
  });
});

describe('coins and symbols', () => {
  it('finds the season symbol of a coin, in any case, or none', () => {
    expect(symbolOf('BTC', SYMBOLS)).toBe('BTC/USDT:USDT');
    expect(symbolOf('eth', SYMBOLS)).toBe('ETH/USDT:USDT');
    expect(symbolOf('ETH/USDT:USDT', SYMBOLS)).toBe('ETH/USDT:USDT');
    expect(symbolOf('SOL', SYMBOLS)).toBeNull();
    expect(symbolOf(null, SYMBOLS)).toBeNull();
  });
});
