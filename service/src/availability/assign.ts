// "Any available": which free resource takes a booking.

/**
 * The candidate with the fewest bookings in the period (`load`; absent counts as 0). Ties go
 * round-robin: the first tied id after `lastAssigned` in id order, wrapping to the smallest. Id
 * order (not the order of `candidates`) keeps the rotation the same whichever subset of
 * resources is free for a slot. Undefined when there are no candidates. Pure: the caller keeps
 * `load` and `lastAssigned`.
 */
export function pickResource(
  candidates: readonly string[],
  load: ReadonlyMap<string, number>,
  lastAssigned?: string,
): string | undefined {
  if (candidates.length === 0) return undefined;
  const loadOf = (id: string) => load.get(id) ?? 0;
  const fewest = Math.min(...candidates.map(loadOf));
  const tied = [...new Set(candidates.filter((id) => loadOf(id) === fewest))].sort(compareIds);
  if (lastAssigned === undefined) return tied[0];
  return tied.find((id) => compareIds(id, lastAssigned) > 0) ?? tied[0];
}

/** Plain code-unit order: stable across locales, unlike localeCompare. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
