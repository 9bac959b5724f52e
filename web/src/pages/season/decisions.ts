// The model chat read for people: a decision's per-coin actions as table rows, its outcome's
// tone, and the text of each prompt message.
import type { Schemas } from '../../api/client';
import { coinOf } from '../../lib/format';

export type Decision = Schemas['DecisionOut'];
export type LlmCall = Schemas['LlmCallOut'];

/** One coin's decision as the agent gave it (after parsing; fields it left out are null). */
export interface ActionRow {
  coin: string;
  symbol: string;
  signal: string;
  quantity: number | null;
  notional: number | null;
  leverage: number | null;
  takeProfit: number | null;
  stopLoss: number | null;
  invalidation: string;
  confidence: number | null;
  justification: string;
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function actionRows(actions: ReadonlyArray<Record<string, unknown>>): ActionRow[] {
  return actions.map((action) => {
    const symbol = textOf(action.symbol) || '?';
    return {
      coin: coinOf(symbol),
      symbol,
      signal: textOf(action.signal) || '?',
      quantity: numberOf(action.quantity),
      notional: numberOf(action.notional),
      leverage: numberOf(action.leverage),
      takeProfit: numberOf(action.take_profit),
      stopLoss: numberOf(action.stop_loss),
      invalidation: textOf(action.invalidation),
      confidence: numberOf(action.confidence),
      justification: textOf(action.justification),
    };
  });
}

/** Whether a signal opens (long/short), closes or holds: for its colour, with its name. */
export function signalTone(signal: string): 'gain' | 'loss' | 'muted' | '' {
  if (signal === 'buy_to_enter') return 'gain';
  if (signal === 'sell_to_enter') return 'loss';
  if (signal === 'hold') return 'muted';
  return '';
}

/** valid reads calm; repaired is a warning; invalid and deadline (a forced hold) are failures. */
export function outcomeTone(outcome: string): '' | 'warn' | 'loss' {
  if (outcome === 'valid') return '';
  if (outcome === 'repaired') return 'warn';
  return 'loss';
}

/** A chat message's text: a string, or the text parts of a multi-part content. */
export function messageText(message: Record<string, unknown>): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (part && typeof part === 'object' && 'text' in part ? String((part as { text: unknown }).text) : ''))
      .filter(Boolean)
      .join('\n');
  }
  return content === undefined || content === null ? '' : JSON.stringify(content, null, 2);
}

export function messageRole(message: Record<string, unknown>): string {
  return typeof message.role === 'string' ? message.role : 'message';
}

/** A stable key of a decision: one per entry and tick. */
export function decisionKey(decision: Pick<Decision, 'entry' | 'tick'>): string {
  return `${decision.entry}@${decision.tick}`;
}

/** Tokens and cost of a call, for its summary line: "gpt-e2e · 10 in / 5 out · $0.0000". */
export function callSummary(call: LlmCall): string {
  const cost = call.cost_usd === null ? 'unknown price' : `$${call.cost_usd.toFixed(4)}`;
  const parts = [
    `${call.provider}/${call.model}`,
    `${call.input_tokens.toLocaleString('en-US')} in / ${call.output_tokens.toLocaleString('en-US')} out`,
    `${Math.round(call.latency_ms).toLocaleString('en-US')} ms`,
    cost,
  ];
  if (call.cached) parts.push('cached');
  return parts.join(' · ');
}
