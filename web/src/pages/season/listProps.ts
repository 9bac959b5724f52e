// What every tab of the season page is given: the season, the filters chosen in the URL, its
// page, and the agents' colours; and the slice of the season's list that makes.
import type { ListFilter } from './seasonQueries';

export interface ListProps {
  seasonId: number;
  entry: string | null;
  symbol: string | null;
  page: number;
  onPage: (page: number) => void;
  colorOf: (entry: string) => string;
}

/** The API's limit/offset for the tab's page (pages count from 1), with its filters. */
export function listFilter({ entry, symbol, page }: Pick<ListProps, 'entry' | 'symbol' | 'page'>, limit: number): ListFilter {
  return { entry, symbol, limit, offset: (page - 1) * limit };
}
