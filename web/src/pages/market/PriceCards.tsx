// The latest price of each coin's perpetual, with its change over the 24 hours before it.
import { useQueries } from '@tanstack/react-query';
import { Link } from 'react-router-dom';

import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Pct, Time } from '../../components/Values';
import { coinOf, num } from '../../lib/format';
import { pricesQuery, usePrices } from './queries';
import { decimalsOfTick } from './timeframes';

const DAY_MS = 86_400_000;

/** Each price's value 24 hours before its own time (coins' data may end at different times). */
function useDayBefore(prices: Array<{ symbol: string; ts: number }>) {
  const byTime = new Map<number, string[]>();
  for (const price of prices) byTime.set(price.ts, [...(byTime.get(price.ts) ?? []), price.symbol]);
  const groups = [...byTime.entries()];
  const answers = useQueries({
    queries: groups.map(([ts, symbols]) => pricesQuery(symbols, ts - DAY_MS)),
  });
  const before = new Map<string, number>();
  for (const answer of answers) {
    for (const price of answer.data?.prices ?? []) if (price.last !== null && price.last !== undefined) before.set(price.symbol, price.last);
  }
  return before;
}

export function PriceCards({
  symbols,
  ticks,
  selected,
  linkFor,
}: {
  symbols: string[];
  ticks: Map<string, number>;
  selected: string | null;
  linkFor: (symbol: string) => string;
}) {
  const now = usePrices(symbols);
  const before = useDayBefore(now.data?.prices ?? []);

  if (symbols.length === 0) return <Empty>No instruments stored yet: run `arena data load-sample` or `arena data download`.</Empty>;
  if (now.isPending) return <Skeleton rows={2} label="Loading prices" />;
  if (now.error) return <ErrorState error={now.error} title="Could not load prices" />;

  return (
    <div className="price-cards" data-testid="price-cards">
      {now.data.prices.map((price) => {
        const last = price.last ?? price.mark ?? null;
        const previous = before.get(price.symbol);
        const change = last !== null && previous ? last / previous - 1 : null;
        return (
          <Link
            key={price.symbol}
            to={linkFor(price.symbol)}
            className={`price-card panel${price.symbol === selected ? ' selected' : ''}`}
            data-testid="price-card"
            data-symbol={price.symbol}
            aria-current={price.symbol === selected ? 'true' : undefined}
          >
            <span className="coin">{coinOf(price.symbol)}</span>
            <span className="num price" data-testid="price-last" data-value={last ?? ''}>
              {last === null ? '—' : num(last, decimalsOfTick(ticks.get(price.symbol)))}
            </span>
            <span className="muted small">
              24 h <Pct value={change} digits={2} />
            </span>
            <span className="muted small">
              <Time ts={price.ts} />
            </span>
          </Link>
        );
      })}
      {now.data.missing.map((symbol) => (
        <div key={symbol} className="price-card panel muted" data-testid="price-missing">
          <span className="coin">{coinOf(symbol)}</span>
          <span>no price stored</span>
        </div>
      ))}
    </div>
  );
}
