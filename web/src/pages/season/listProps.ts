// What every tab of the season page is given: the season, the filters chosen in the URL, its
// page, and the agents' colours.
export interface ListProps {
  seasonId: number;
  entry: string | null;
  symbol: string | null;
  page: number;
  onPage: (page: number) => void;
  colorOf: (entry: string) => string;
}
