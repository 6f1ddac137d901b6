/** A duration as the environment writes one: a whole number and a unit, `ms`, `s`, `m`, `h` or `d` (`15m`, `90s`, `1h`). */
export const DURATION_PATTERN = /^(\d{1,9})(ms|s|m|h|d)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The duration in milliseconds, or null when the text is not one (see DURATION_PATTERN). */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}
