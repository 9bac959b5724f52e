// The database browser's state in the URL (?table=&offset=&order=&filter=column:op:value, the
// filter repeated) and the API query it asks for. The API checks every column name against
// the schema and binds every value; here a filter only has to be well formed.

export type Operator = 'eq' | 'contains';
export type Order = 'asc' | 'desc';

export interface ColumnFilter {
  column: string;
  op: Operator;
  value: string;
}

export interface BrowserState {
  table: string | null;
  offset: number;
  order: Order;
  filters: ColumnFilter[];
}

export const PAGE_SIZE = 50;

/** "column:op:value" (the API's form; the value may hold colons). */
export function filterText(filter: ColumnFilter): string {
  return `${filter.column}:${filter.op}:${filter.value}`;
}

export function parseFilterText(text: string): ColumnFilter | null {
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first <= 0 || second < 0) return null;
  const op = text.slice(first + 1, second);
  if (op !== 'eq' && op !== 'contains') return null;
  return { column: text.slice(0, first), op, value: text.slice(second + 1) };
}

export function readBrowserState(params: URLSearchParams): BrowserState {
  const offset = Number(params.get('offset'));
  return {
    table: params.get('table') || null,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
    filters: params.getAll('filter').map(parseFilterText).filter((item): item is ColumnFilter => item !== null),
  };
}

/** `params` with the browser's state replaced (other parameters kept). */
export function writeBrowserState(params: URLSearchParams, state: BrowserState): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of ['table', 'offset', 'order', 'filter']) next.delete(key);
  if (state.table) next.set('table', state.table);
  if (state.offset > 0) next.set('offset', String(state.offset));
  if (state.order === 'desc') next.set('order', 'desc');
  for (const filter of state.filters) next.append('filter', filterText(filter));
  return next;
}

/** The rows request's query: the filters as the API's repeated `filter` parameter. */
export function rowsQuery(state: BrowserState, limit = PAGE_SIZE) {
  return {
    limit,
    offset: state.offset,
    order: state.order,
    ...(state.filters.length ? { filter: state.filters.map(filterText) } : {}),
  };
}

/** A table's row count as a label: exact, an estimate, or a lower bound. */
export function countLabel(rows: number, count: 'exact' | 'estimate' | 'at_least'): string {
  const number = rows.toLocaleString('en-US');
  if (count === 'estimate') return `≈ ${number}`;
  if (count === 'at_least') return `${number}+`;
  return number;
}

/** Whether a column holds epoch milliseconds (ts, ts_start, lease_since...). */
export function isTimeColumn(name: string, kind: string): boolean {
  return kind === 'integer' && (name === 'ts' || name.startsWith('ts_') || name === 'lease_since' || name === 'lease_expires');
}
