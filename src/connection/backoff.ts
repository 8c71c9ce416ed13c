/** Reconnection delay settings, all in milliseconds except the factors. */
export interface BackoffOptions {
  /** Base delay of the first retry. Kimi Proxy's own dashboard waited 3 s. */
  initialDelay: number;
  /** Upper bound of any delay. */
  maxDelay: number;
  /** Growth of the ceiling per failed attempt. */
  growth: number;
  /** 0–1: how far below/above the base a delay may fall. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialDelay: 3000,
  maxDelay: 30_000,
  growth: 2,
  jitter: 0.2,
};

/** No retry comes sooner than this (ms), whatever the settings: a server that closes at once is not hammered. */
export const MIN_RETRY_DELAY = 100;

/**
 * Delay before retry number `attempt` (1 = first retry): uniform between a floor of
 * `initialDelay·(1−jitter)` and a ceiling of `initialDelay·growth^(attempt−1)·(1+jitter)`, capped at
 * `maxDelay`, and never below `MIN_RETRY_DELAY` (which also stands in for an `initialDelay` under it,
 * so later retries still grow from there). The first retry falls near the initial delay; later
 * ones spread over a widening range ("full jitter" above a floor), so clients that lost the same
 * server do not return together and never hammer it faster than the floor.
 */
export function retryDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const { growth, jitter } = options;
  // Comparisons rather than Math.max, so a NaN setting also lands on the floor.
  const initialDelay = atLeast(options.initialDelay, MIN_RETRY_DELAY);
  const maxDelay = atLeast(options.maxDelay, MIN_RETRY_DELAY);
  const j = Math.min(Math.max(jitter, 0), 1);
  const floor = Math.min(initialDelay * (1 - j), maxDelay);
  const ceiling = Math.min(initialDelay * Math.max(growth, 1) ** (attempt - 1) * (1 + j), maxDelay);
  return atLeast(Math.round(floor + random() * Math.max(ceiling - floor, 0)), MIN_RETRY_DELAY);
}

const atLeast = (value: number, min: number): number => (value > min ? value : min);
