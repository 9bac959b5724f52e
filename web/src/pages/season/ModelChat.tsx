// The model chat: every decision, newest first, a page at a time (the API filters by entry and
// by coin), each with its per-coin decisions and, on request, the prompt and raw answer.
import { useQuery } from '@tanstack/react-query';

import { QueryView } from '../../components/States';
import { DecisionCard } from './DecisionCard';
import { Pager } from './Pager';
import { CHAT_PAGE, decisionsQuery } from './seasonQueries';
import type { ListProps } from './listProps';

export function ModelChat({ seasonId, entry, symbol, page, onPage, colorOf }: ListProps) {
  const filter = { entry, symbol, limit: CHAT_PAGE, offset: (page - 1) * CHAT_PAGE };
  const decisions = useQuery(decisionsQuery(seasonId, filter));
  return (
    <QueryView
      query={decisions}
      rows={8}
      isEmpty={(data) => data.total === 0}
      empty={
        entry || symbol
          ? 'No decisions match: pick all entries or all coins above.'
          : 'No decisions yet: start the season (Seasons page or `arena season run`) and they appear here.'
      }
    >
      {(data) => (
        <div data-testid="model-chat">
          <Pager total={data.total} limit={data.limit} offset={data.offset} noun="decisions" onPage={onPage} />
          <div className="chat-list">
            {data.items.map((decision) => (
              <DecisionCard key={`${decision.entry}@${decision.tick}`} decision={decision} color={colorOf(decision.entry)} symbol={symbol} />
            ))}
          </div>
          {data.total > data.limit && (
            <Pager total={data.total} limit={data.limit} offset={data.offset} noun="decisions" onPage={onPage} />
          )}
        </div>
      )}
    </QueryView>
  );
}
