// What every list tab of the season page shares around its rows: the loading, error and empty
// states, and a pager (newest first) over the page the API returned; for the tables, the table.
import type { ReactNode } from 'react';

import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/States';

interface ListPage {
  total: number;
  limit: number;
  offset: number;
}

interface ListOptions<T> {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  /** What the rows are, for the pager: "completed trades". */
  noun: string;
  /** Said when the list is empty: what to do next. */
  empty: ReactNode;
  testId: string;
  onPage: (page: number) => void;
}

export function SeasonList<T extends ListPage>({
  query,
  noun,
  empty,
  testId,
  onPage,
  rows,
  pagerBelow = false,
  children,
}: ListOptions<T> & {
  /** Skeleton rows while loading. */
  rows?: number;
  /** A second pager under a long page. */
  pagerBelow?: boolean;
  children: (data: T) => ReactNode;
}) {
  const pager = (data: T) => (
    <Pager
      total={data.total}
      limit={data.limit}
      offset={data.offset}
      noun={noun}
      newestFirst
      onOffset={(offset) => onPage(Math.floor(offset / data.limit) + 1)}
    />
  );
  return (
    <QueryView query={query} rows={rows} isEmpty={(data) => data.total === 0} empty={empty}>
      {(data) => (
        <div data-testid={testId}>
          {pager(data)}
          {children(data)}
          {pagerBelow && data.total > data.limit && pager(data)}
        </div>
      )}
    </QueryView>
  );
}

/** A list tab that is a table: its header cells, and the row (or rows) of each item. */
export function SeasonTable<Item>({
  head,
  row,
  ...list
}: ListOptions<ListPage & { items: Item[] }> & {
  head: ReactNode;
  row: (item: Item, index: number) => ReactNode;
}) {
  return (
    <SeasonList {...list}>
      {(data) => (
        <div className="table-wrap">
          <table className="compact">
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
      )}
    </SeasonList>
  );
}
