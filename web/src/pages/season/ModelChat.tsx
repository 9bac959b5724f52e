// The model chat: every decision, newest first, a page at a time (the API filters by entry and
// by coin), each with its per-coin decisions and, on request, the prompt and raw answer.
import { useQuery } from '@tanstack/react-query';

import { DecisionCard } from './DecisionCard';
import { listFilter, type ListProps } from './listProps';
import { CHAT_PAGE, decisionsQuery } from './seasonQueries';
import { SeasonList } from './SeasonList';

export function ModelChat({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const decisions = useQuery(decisionsQuery(seasonId, listFilter(filters, CHAT_PAGE)));
  const { entry, symbol } = filters;
  return (
    <SeasonList
      query={decisions}
      noun="decisions"
      rows={8}
      pagerBelow
      empty={
        entry || symbol
          ? 'No decisions match: pick all entries or all coins above.'
          : 'No decisions yet: start the season (Seasons page or `arena season run`) and they appear here.'
      }
      testId="model-chat"
      onPage={onPage}
    >
      {(data) => (
        <div className="chat-list">
          {data.items.map((decision) => (
            <DecisionCard key={`${decision.entry}@${decision.tick}`} decision={decision} color={colorOf(decision.entry)} symbol={symbol} />
          ))}
        </div>
      )}
    </SeasonList>
  );
}
