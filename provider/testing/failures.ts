/**
 * Check failures of mocked resources, by resource name. A failed resource never finishes registering
 * (its outputs stay pending, as a failed preview never produces them); a rejected registration would
 * instead reject every output and every value derived from one, and each of those the test does not
 * await becomes an unhandled rejection that fails the run.
 */
const waiting = new Map<string, { error?: Error; reject?: (error: Error) => void; promise?: Promise<never> }>();

/** Forgets earlier failures: a new set of mocks is a new deployment. */
export function resetFailures(): void {
  waiting.clear();
}

export function recordFailure(name: string, error: Error): void {
  const entry = waiting.get(name);
  if (entry?.reject) entry.reject(error);
  else waiting.set(name, { error });
}

/** Rejects once a Check failure is recorded for `name` (at once if it already was); otherwise stays pending. */
export function failureOf(name: string): Promise<never> {
  let entry = waiting.get(name);
  if (!entry) waiting.set(name, (entry = {}));
  if (!entry.promise) {
    const known = entry.error;
    entry.promise = known ? Promise.reject(known) : new Promise<never>((_, reject) => (entry!.reject = reject));
    // Only the caller's race observes it; never an unhandled rejection on its own.
    entry.promise.catch(() => {});
  }
  return entry.promise;
}
