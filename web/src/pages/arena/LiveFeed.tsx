// Beside the chart: what the entries are doing, newest first, in three tabs: the model chat
// (decisions with their signals and reasoning), the trades (fills) and the open positions.
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';

import { QueryView } from '../../components/States';
import { Money, Swatch, Time } from '../../components/Values';
import { agentColor } from '../../lib/colors';
import { coinOf, num, parseTs } from '../../lib/format';
import { useDecisions, useFills, usePositions, type Decision, type Fill, type Position } from './queries';

type Tab = 'chat' | 'trades' | 'positions';

const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'chat', label: 'Model chat' },
  { id: 'trades', label: 'Trades' },
  { id: 'positions', label: 'Positions' },
];

const EXCERPT_CHARS = 180;

/** A decision's reasoning in a line or two: its own, else its first action's justification. */
export function excerpt(decision: Pick<Decision, 'reasoning' | 'actions'>): string {
  const first = decision.actions.find((action) => typeof action.justification === 'string' && action.justification);
  const text = (decision.reasoning || (first?.justification as string | undefined) || '').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

function Who({ entry, baselines }: { entry: string; baselines: ReadonlySet<string> }) {
  const baseline = baselines.has(entry);
  return (
    <strong className="who">
      <Swatch color={agentColor(entry, baseline)} dashed={baseline} />
      {entry}
    </strong>
  );
}

function ChatItem({ decision, seasonId, baselines }: { decision: Decision; seasonId: number; baselines: ReadonlySet<string> }) {
  const text = excerpt(decision);
  return (
    <li className="feed-item" data-testid="chat-item">
      <div className="feed-head">
        <Who entry={decision.entry} baselines={baselines} />
        {decision.outcome !== 'valid' && <span className="badge warn">{decision.outcome}</span>}
        <span className="muted feed-time"><Time ts={decision.ts} relative /></span>
      </div>
      {decision.actions.length > 0 && (
        <div className="signals">
          {decision.actions.map((action, index) => (
            <span key={index} className={`badge signal signal-${String(action.signal)}`}>
              {coinOf(String(action.symbol ?? ''))} {String(action.signal ?? '').replaceAll('_', ' ')}
            </span>
          ))}
        </div>
      )}
      {text && <p className="excerpt">{text}</p>}
      <Link className="feed-more" to={`/seasons/${seasonId}/entries/${encodeURIComponent(decision.entry)}`}>
        details
      </Link>
    </li>
  );
}

function TradeItem({ fill, baselines }: { fill: Fill; baselines: ReadonlySet<string> }) {
  return (
    <li className="feed-item" data-testid="trade-item">
      <div className="feed-head">
        <Who entry={fill.entry} baselines={baselines} />
        <span className="muted feed-time"><Time ts={fill.ts} relative /></span>
      </div>
      <div>
        <span className={fill.side === 'buy' ? 'gain' : 'loss'}>{fill.side}</span>{' '}
        <span className="num">{num(fill.quantity, fill.quantity < 1 ? 4 : 2)}</span> {coinOf(fill.symbol)} @{' '}
        <Money value={fill.price} /> <span className="muted">({fill.tag})</span>
        {fill.realized_pnl !== 0 && <> · P&amp;L <Money value={fill.realized_pnl} signed /></>}
        <span className="muted"> · fee <Money value={fill.fee} /></span>
      </div>
    </li>
  );
}

function PositionItem({ position, baselines }: { position: Position; baselines: ReadonlySet<string> }) {
  return (
    <li className="feed-item" data-testid="position-item">
      <div className="feed-head">
        <Who entry={position.entry} baselines={baselines} />
        <span className="muted feed-time">opened <Time ts={position.opened} relative /></span>
      </div>
      <div>
        <span className={position.side === 'long' ? 'gain' : 'loss'}>{position.side}</span>{' '}
        <span className="num">{num(position.quantity, position.quantity < 1 ? 4 : 2)}</span> {coinOf(position.symbol)}{' '}
        <span className="num">{num(position.leverage, 0)}×</span> · <Money value={position.entry_price} /> →{' '}
        <Money value={position.mark_price} /> · <Money value={position.unrealized_pnl} signed />
      </div>
    </li>
  );
}

function FeedList({ children }: { children: ReactNode }) {
  return <ul className="feed-list">{children}</ul>;
}

function ChatPanel({ seasonId, baselines }: { seasonId: number; baselines: ReadonlySet<string> }) {
  const query = useDecisions(seasonId);
  return (
    <QueryView query={query} isEmpty={(items) => items.length === 0} empty="No decisions yet: they appear here as the season runs.">
      {(items) => (
        <FeedList>
          {items.map((decision) => (
            <ChatItem key={`${decision.entry}|${decision.tick}`} decision={decision} seasonId={seasonId} baselines={baselines} />
          ))}
        </FeedList>
      )}
    </QueryView>
  );
}

function TradesPanel({ seasonId, baselines }: { seasonId: number; baselines: ReadonlySet<string> }) {
  const query = useFills(seasonId);
  return (
    <QueryView query={query} isEmpty={(items) => items.length === 0} empty="No trades yet: fills appear here as the season runs.">
      {(items) => (
        <FeedList>
          {items.map((fill) => (
            <TradeItem key={`${fill.entry}|${fill.client_order_id}|${fill.tick}|${fill.quantity}`} fill={fill} baselines={baselines} />
          ))}
        </FeedList>
      )}
    </QueryView>
  );
}

function PositionsPanel({ seasonId, baselines }: { seasonId: number; baselines: ReadonlySet<string> }) {
  const query = usePositions(seasonId);
  return (
    <QueryView query={query} isEmpty={(items) => items.length === 0} empty="No open positions.">
      {(items) => (
        <FeedList>
          {[...items].sort((a, b) => parseTs(b.opened) - parseTs(a.opened)).map((position) => (
            <PositionItem key={`${position.entry}|${position.symbol}`} position={position} baselines={baselines} />
          ))}
        </FeedList>
      )}
    </QueryView>
  );
}

export function LiveFeed({ seasonId, baselines }: { seasonId: number; baselines: ReadonlySet<string> }) {
  const [tab, setTab] = useState<Tab>('chat');
  return (
    <div className="live-feed" data-testid="live-feed">
      <div className="tabs" role="tablist" aria-label="Live feed">
        {TABS.map((item) => (
          <button key={item.id} type="button" role="tab" id={`feed-tab-${item.id}`} aria-selected={tab === item.id}
            aria-controls="feed-panel" onClick={() => setTab(item.id)}>
            {item.label}
          </button>
        ))}
      </div>
      <div className="feed-panel" id="feed-panel" role="tabpanel" aria-labelledby={`feed-tab-${tab}`}>
        {tab === 'chat' && <ChatPanel seasonId={seasonId} baselines={baselines} />}
        {tab === 'trades' && <TradesPanel seasonId={seasonId} baselines={baselines} />}
        {tab === 'positions' && <PositionsPanel seasonId={seasonId} baselines={baselines} />}
        <p className="muted feed-foot">
          Newest first. <Link to={`/seasons/${seasonId}`}>Everything in the season page</Link>
        </p>
      </div>
    </div>
  );
}
