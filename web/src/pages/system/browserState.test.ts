import { describe, expect, it } from 'vitest';

import {
  countLabel,
  filterText,
  isTimeColumn,
  parseFilterText,
  readBrowserState,
  rowsQuery,
  writeBrowserState,
} from './browserState';

describe('filters', () => {
  it('round-trip through the API form, a value keeping its colons', () => {
    const filter = { column: 'symbol', op: 'eq' as const, value: 'BTC/USDT:USDT' };
    expect(filterText(filter)).toBe('symbol:eq:BTC/USDT:USDT');
    expect(parseFilterText('symbol:eq:BTC/USDT:USDT')).toEqual(filter);
    expect(parseFilterText('detail:contains:')).toEqual({ column: 'detail', op: 'contains', value: '' });
  });

  it('refuse what is not column:op:value', () => {
    expect(parseFilterText('symbol')).toBeNull();
    expect(parseFilterText(':eq:x')).toBeNull();
    expect(parseFilterText('ts:gt:5')).toBeNull();
  });
});

describe('the URL state', () => {
  it('reads defaults from an empty URL', () => {
    expect(readBrowserState(new URLSearchParams())).toEqual({ table: null, offset: 0, order: 'asc', filters: [] });
  });

  it('writes and reads back, keeping other parameters', () => {
    const state = {
      table: 'candles',
      offset: 100,
      order: 'desc' as const,
      filters: [
        { column: 'instrument_id', op: 'eq' as const, value: '4' },
        { column: 'timeframe', op: 'contains' as const, value: 'h' },
      ],
    };
    const params = writeBrowserState(new URLSearchParams('tab=x&offset=5'), state);
    expect(params.get('tab')).toBe('x');
    expect(params.getAll('filter')).toEqual(['instrument_id:eq:4', 'timeframe:contains:h']);
    expect(readBrowserState(params)).toEqual(state);
  });

  it('ignores a broken offset and broken filters', () => {
    const state = readBrowserState(new URLSearchParams('table=agents&offset=-3&filter=nonsense&order=up'));
    expect(state).toEqual({ table: 'agents', offset: 0, order: 'asc', filters: [] });
  });
});

describe('rowsQuery', () => {
  it('sends the filters as the repeated filter parameter, none when there are none', () => {
    const base = { table: 'candles', offset: 50, order: 'asc' as const, filters: [] };
    expect(rowsQuery(base)).toEqual({ limit: 50, offset: 50, order: 'asc' });
    expect(rowsQuery({ ...base, filters: [{ column: 'ts', op: 'eq', value: '1' }] }, 10)).toEqual({
      limit: 10, offset: 50, order: 'asc', filter: ['ts:eq:1'],
    });
  });
});

describe('labels', () => {
  it('say whether a count is exact, estimated or a lower bound', () => {
    expect(countLabel(41632, 'exact')).toBe('41,632');
    expect(countLabel(593829, 'estimate')).toBe('≈ 593,829');
    expect(countLabel(100000, 'at_least')).toBe('100,000+');
  });

  it('know the time columns', () => {
    expect(isTimeColumn('ts', 'integer')).toBe(true);
    expect(isTimeColumn('ts_created', 'integer')).toBe(true);
    expect(isTimeColumn('tick', 'integer')).toBe(false);
    expect(isTimeColumn('ts_note', 'text')).toBe(false);
  });
});
