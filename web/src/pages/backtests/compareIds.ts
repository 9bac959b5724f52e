// The ids of the compare page's address (?ids=7,9): two or three distinct run ids.
export const MAX_COMPARED = 3;

export function parseCompareIds(text: string | null): number[] {
  if (!text) return [];
  const ids = text
    .split(',')
    .map((part) => Number(part.trim()))
    .filter((id) => Number.isInteger(id) && id >= 1);
  return [...new Set(ids)].slice(0, MAX_COMPARED);
}
