/** A `metric_updated` frame as Kimi Proxy sends it, for a session and metric id of the test's choice. */
export const metric = (session: unknown, id: number, extra: Record<string, unknown> = {}) => ({
  type: 'metric_updated', metric_id: id, session_id: session,
  real_tokens: { total: 100, prompt: 90, completion: 10, percentage: 1 },
  cumulative_tokens: 100, cumulative_percentage: 1, alert: null, source: 'proxy', ...extra,
});
