// Where a page of a list is, for the pager: "51–100 of 41,632", "of about 593,829" (an
// estimate) or "of 100,000+" (a bounded count), which page of how many, and whether there is
// a previous and a next page.

export type CountKind = 'exact' | 'estimate' | 'at_least';

export interface PageSpot {
  first: number;
  last: number;
  totalLabel: string;
  /** "page 2 of 7", for an exact count only. */
  page: number;
  pages: number | null;
  hasPrevious: boolean;
  hasNext: boolean;
}

export interface PagePlace {
  offset: number;
  limit: number;
  total: number;
  /** The rows on this page; by default as many as the total leaves. */
  shown?: number;
  count?: CountKind;
}

export function pageSpot({ offset, limit, total, shown, count = 'exact' }: PagePlace): PageSpot {
  const rows = shown ?? Math.max(0, Math.min(limit, total - offset));
  const first = rows === 0 ? 0 : offset + 1;
  const last = offset + rows;
  const number = total.toLocaleString('en-US');
  const totalLabel = count === 'exact' ? number : count === 'estimate' ? `about ${number}` : `${number}+`;
  // past a bounded count the rows go on: a full page says there may be more
  const hasNext = count === 'exact' ? last < total : rows === limit;
  const page = Math.floor(offset / limit) + 1;
  const pages = count === 'exact' ? Math.max(1, Math.ceil(total / limit)) : null;
  return { first, last, totalLabel, page, pages, hasPrevious: offset > 0, hasNext };
}
