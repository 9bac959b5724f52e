// Prices and sizes read at the precision their magnitude needs: 94,120.50, 3.4521, 0.101950.
import { num } from '../../lib/format';

/** A price with as many decimals as its size needs (at least two). */
export function price(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const size = Math.abs(value);
  if (size >= 1000 || size === 0) return num(value, 2);
  if (size >= 1) return num(value, 4);
  return num(value, 6);
}

/** A quantity without trailing zeros: 0.01, 1734, 0.113. */
export function quantity(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 }).format(value).replace('-', '−');
}

/** "3x", "2.5x". */
export function leverage(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${Number(value.toFixed(2))}x`;
}
