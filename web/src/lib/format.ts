// How numbers and times read everywhere: tabular, signed, UTC.

const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 12,345.67 (with a sign only when negative). */
export function money(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return money2.format(value).replace('-', '−');
}

/** A number with a chosen count of decimals and thousands separators. */
export function num(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(value)
    .replace('-', '−');
}

/** A fraction as a signed percentage: 0.123 → "+12.3%", −0.045 → "−4.5%". */
export function pct(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const text = Math.abs(fraction * 100).toFixed(digits);
  if (Number(text) === 0) return `${(0).toFixed(digits)}%`;
  return `${fraction > 0 ? '+' : '−'}${text}%`;
}

/** An interval of fractions: "−3.4% … +42.5%". */
export function interval(low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined) return '—';
  return `${pct(low)} … ${pct(high)}`;
}

/** −1, 0 or 1: whether a value is a loss, nothing or a gain (for colour, never alone). */
export function sign(value: number | null | undefined): -1 | 0 | 1 {
  if (!value || !Number.isFinite(value)) return 0;
  return value > 0 ? 1 : -1;
}

/** Epoch milliseconds as ISO UTC to the minute: "2026-01-05 14:00". */
export function utc(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** The same moment in the reader's own time zone (for the hover title). */
export function local(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { timeZoneName: 'short' });
}

/** "3 min ago", "2 h ago", "5 d ago" (relative to `now`). */
export function ago(ms: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** An ISO-8601 string from the API as epoch milliseconds. */
export function parseTs(iso: string): number {
  return Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/** The coin of a market symbol: "BTC/USDT:USDT" → "BTC". */
export function coinOf(symbol: string): string {
  return symbol.split('/')[0] ?? symbol;
}
