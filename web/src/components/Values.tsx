// Small value renderers shared by every table: times in UTC with local time on hover, signed
// and coloured gains, money.
import { ago, local, money, parseTs, pct, sign, utc } from '../lib/format';

type Ts = number | string | null | undefined;

function toMs(ts: Ts): number | null {
  if (ts === null || ts === undefined) return null;
  return typeof ts === 'number' ? ts : parseTs(ts);
}

/** A time in UTC (ISO to the minute); the reader's local time on hover. */
export function Time({ ts, relative = false }: { ts: Ts; relative?: boolean }) {
  const ms = toMs(ts);
  if (ms === null || Number.isNaN(ms)) return <span>—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={`${utc(ms)} UTC · ${local(ms)}`}>
      {relative ? ago(ms) : utc(ms)}
    </time>
  );
}

/** A signed percentage, coloured by its sign (the sign is always printed too). */
export function Pct({ value, digits = 1 }: { value: number | null | undefined; digits?: number }) {
  return <span className={`num ${tone(value)}`}>{pct(value, digits)}</span>;
}

/** Money with separators and two decimals; signed and coloured when `signed`. */
export function Money({ value, signed = false }: { value: number | null | undefined; signed?: boolean }) {
  if (!signed) return <span className="num">{money(value)}</span>;
  const text = money(value);
  return <span className={`num ${tone(value)}`}>{value && value > 0 ? `+${text}` : text}</span>;
}

export function tone(value: number | null | undefined): string {
  const s = sign(value);
  return s > 0 ? 'gain' : s < 0 ? 'loss' : '';
}

/** The agent's colour swatch, shared by chart lines, rows and chat avatars. */
export function Swatch({ color, dashed = false }: { color: string; dashed?: boolean }) {
  return <span className={`swatch${dashed ? ' dashed' : ''}`} style={{ borderColor: color, background: dashed ? 'transparent' : color }} aria-hidden />;
}
