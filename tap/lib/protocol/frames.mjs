// Frame text shared by the simulator (simulated traffic) and kimi-tap (observed traffic): the alert
// levels of `metric_updated`, the fixed texts of `streaming_error` and `provider_context_limit_error`
// (PROTOCOL.md §4.8–§4.10), and the tap's added facts (§17).

import { dumps, pyFloat } from './format.mjs';

/** @type {Array<[number, {level: string, color: string, message: string}]>} */
const ALERTS = [
  [95, { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' }],
  [90, { level: 'warning', color: '#f97316', message: '⚠️ CONTEXTE ÉLEVÉ (90%)' }],
  [80, { level: 'caution', color: '#eab308', message: '⚡ Attention (80%)' }],
];
/** @type {Array<[number, string]>} */
const ALERT_TEXT = ALERTS.map(([min, a]) => [min, JSON.stringify(a)]);

/** @param {number} pct 0–100  @returns {{level:string,color:string,message:string}|null} */
export function alertFor(pct) {
  for (const [min, a] of ALERTS) if (pct >= min) return { ...a };
  return null;
}

/** Same as alertFor, pre-serialized. */
export function alertText(pct) {
  for (const [min, t] of ALERT_TEXT) if (pct >= min) return t;
  return 'null';
}

/** `streaming_error.error_type` → its fixed `error_message` (§4.9). */
export const STREAM_ERRORS = new Map([
  ['read_error', 'Connexion interrompue par le provider'],
  ['connect_error', 'Impossible de se connecter au provider'],
  ['timeout_error', 'Timeout lors de la lecture du stream'],
  ['unknown', 'Erreur streaming inconnue'],
]);

export const CONTEXT_LIMIT_MESSAGE = 'Le provider a rejeté la requête pour dépassement de limite de contexte';

/**
 * `metric_updated` text for a metrics row (Kimi Proxy's key order), with `extra` (the tap's §17.1 facts)
 * appended after `source`.
 * @param {import('./store.mjs').MetricRow} row
 * @param {Record<string, unknown>} [extra]
 */
export function metricUpdatedText(row, extra) {
  const p = pyFloat(row.percentage);
  const total = row.estimated_tokens;
  const tail = extra ? dumps(extra).slice(1, -1) : '';
  return (
    `{"type":"metric_updated","metric_id":${row.id},"session_id":${row.session_id},"real_tokens":{"total":${total},"prompt":${row.prompt_tokens},` +
    `"completion":${row.completion_tokens},"percentage":${p}},"cumulative_tokens":${total},"cumulative_percentage":${p},"alert":${alertText(row.percentage)},` +
    `"source":"proxy"${tail ? `,${tail}` : ''}}`
  );
}

/**
 * `streaming_error` text (§4.9).
 * @param {number} sessionId @param {number} metricId @param {string} errorType one of STREAM_ERRORS @param {string} timestamp local ISO
 */
export function streamingErrorText(sessionId, metricId, errorType, timestamp) {
  const t = STREAM_ERRORS.has(errorType) ? errorType : 'unknown';
  return `{"type":"streaming_error","session_id":${sessionId},"metric_id":${metricId},"error_type":"${t}","error_message":"${STREAM_ERRORS.get(t)}","timestamp":"${timestamp}"}`;
}
