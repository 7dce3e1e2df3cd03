/**
 * Parsing of `rotateAfter` durations such as `"30d"`, `"12h"`, `"90m"` or `"1w2d"`.
 *
 * Durations are deliberately small and explicit: months and years have no fixed
 * length, and a rotation period shorter than a minute or longer than ten years is
 * almost certainly a typo (`"0"`, `"1e9d"`), so both are refused with a fix.
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Shortest accepted rotation period: one minute. */
export const MIN_DURATION_MS = UNIT_MS.m;
/** Longest accepted rotation period: 3650 days. */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d;

const WHOLE = /^(?:\d{1,7}[mhdw])+$/;
const PART = /(\d{1,7})([mhdw])/g;

/** Result of {@link parseDuration}: milliseconds, or a reason that says how to fix the value. */
export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

const EXAMPLES = 'Use a whole number followed by m, h, d or w, for example "90m", "12h", "30d" or "1w2d"';

/** Parses a rotation period. Never throws. */
export function parseDuration(value: unknown): DurationResult {
  if (typeof value !== "string") return { ok: false, reason: `must be a string. ${EXAMPLES}.` };
  const text = value.trim();
  if (!WHOLE.test(text)) return { ok: false, reason: `is not a duration. ${EXAMPLES}.` };
  let ms = 0;
  for (const [, count, unit] of text.matchAll(PART)) ms += Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (ms < MIN_DURATION_MS) return { ok: false, reason: `must be at least 1 minute. ${EXAMPLES}.` };
  if (ms > MAX_DURATION_MS) return { ok: false, reason: `must be at most 3650 days. ${EXAMPLES}.` };
  return { ok: true, ms };
}
