// Where a page of a list is, for the pager: "51–100 of 41,632", "of about 593,829" (an
// estimate) or "of 100,000+" (a bounded count), and whether there is a next page.

export type CountKind = 'exact' | 'estimate' | 'at_least';

export interface PageSpot {
  first: number;
  last: number;
  totalLabel: string;
  hasPrevious: boolean;
  hasNext: boolean;
}

export function pageSpot(offset: number, limit: number, shown: number, total: number, count: CountKind = 'exact'): PageSpot {
  const first = shown === 0 ? 0 : offset + 1;
  const last = offset + shown;
  const number = total.toLocaleString('en-US');
  const totalLabel = count === 'exact' ? number : count === 'estimate' ? `about ${number}` : `${number}+`;
  // past a bounded count the rows go on: a full page says there may be more
  const hasNext = count === 'exact' ? last < total : shown === limit;
  return { first, last, totalLabel, hasPrevious: offset > 0, hasNext };
}
