// Answers to the three client→server memory commands (docs/PROTOCOL.md §4.16, §4.17, §9).
// The real server always runs them on five built-in mock memories (its DB read fails over
// the WebSocket path), so the replies below are deterministic, quirks included:
// parameters are read at the top level, Python truthiness for dryRun, Python error texts
// for odd thresholds, pydantic-style validation errors for the similarity payload.

/** The five mock memories: 1158 tokens in total, four of them under 300 tokens (423 tokens). */
export const MEMORIES = [
  {
    id: 'mem_001',
    title: 'Préférences utilisateur',
    type: 'preference',
    tokens: 52,
    content: "L'utilisateur préfère des réponses en français avec des exemples TypeScript concis",
  },
  {
    id: 'mem_002',
    title: 'Architecture du proxy',
    type: 'architecture',
    tokens: 735,
    content:
      'Le proxy FastAPI relaie les requêtes chat/completions vers les providers, estime les tokens avec tiktoken, ' +
      'enregistre chaque requête dans SQLite et diffuse les métriques au dashboard par le endpoint /ws',
  },
  {
    id: 'mem_003',
    title: 'Configuration des providers',
    type: 'configuration',
    tokens: 48,
    content: 'Les clés API des providers sont lues depuis config.toml et le contexte maximal par défaut vaut 262144 tokens',
  },
  {
    id: 'mem_004',
    title: 'WebSocket Manager',
    type: 'communication',
    tokens: 267,
    content: "Gestionnaire WebSocket pour communication temps réel avec reconnexion automatique et diffusion d'événements",
  },
  {
    id: 'mem_005',
    title: "Seuils d'alerte",
    type: 'monitoring',
    tokens: 56,
    content: 'Alertes de contexte à 80, 90 et 95 pour cent; compaction automatique au-delà de 85 pour cent',
  },
].map((m) => {
  // Preview = about 50 characters cut at a word boundary, as in the fixture's mem_004.
  const cut = m.content.slice(0, 55);
  return { ...m, content_preview: `${cut.slice(0, cut.lastIndexOf(' ')).replace(/[;,.:]$/, '')}...` };
});

const TOTAL_TOKENS = MEMORIES.reduce((s, m) => s + m.tokens, 0); // 1158

export const MEMORY_COMMANDS = new Set(['memory_compress_preview', 'memory_compress_execute', 'memory_similarity_search']);

/** Python's type name for a parsed JSON value (used in Python/pydantic error texts). */
export function pyType(v) {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  return Array.isArray(v) ? 'list' : 'dict';
}

/** Python repr of a parsed JSON value. */
export function pyRepr(v) {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** Python truthiness: "false" is truthy, [] and {} are not. */
export function pyTruthy(v) {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const failed = (error) => ({
  success: false,
  current_count: 0,
  projected_count: 0,
  space_saved: '0 tokens',
  preview: [],
  compression_ratio: null,
  error,
});

/**
 * CompressionPreviewResult for a strategy/threshold, reproducing how Python evaluates
 * `memory.tokens < threshold * 1000` on odd threshold types.
 * @param {unknown} strategy  @param {unknown} threshold
 */
export function compressPreview(strategy, threshold) {
  if (strategy !== 'token') {
    // Semantic branch ignores the threshold: groups the two short configuration-like notes.
    const group = [MEMORIES[2], MEMORIES[4]];
    const saved = Math.min(...group.map((m) => m.tokens));
    return {
      success: true,
      current_count: MEMORIES.length,
      projected_count: MEMORIES.length - 1,
      space_saved: `${saved} tokens`,
      preview: [
        {
          action: 'regrouper',
          items: `${group.length} mémoires similaires`,
          tokens: group.reduce((s, m) => s + m.tokens, 0),
          preview: 'Regroupement sémantique: configuration, monitoring',
        },
      ],
      compression_ratio: saved / TOTAL_TOKENS,
      error: null,
    };
  }
  let limit;
  const t = pyType(threshold);
  if (t === 'int' || t === 'float') limit = /** @type {number} */ (threshold) * 1000;
  else if (t === 'bool') limit = threshold ? 1000 : 0;
  else if (t === 'str' || t === 'list') return failed(`'<' not supported between instances of 'int' and '${t}'`);
  else return failed(`unsupported operand type(s) for *: '${t}' and 'int'`);

  const small = MEMORIES.filter((m) => m.tokens < limit);
  if (small.length < 2) {
    return {
      success: true,
      current_count: MEMORIES.length,
      projected_count: MEMORIES.length,
      space_saved: '0 tokens',
      preview: [],
      compression_ratio: 0,
      error: null,
    };
  }
  const tokens = small.reduce((s, m) => s + m.tokens, 0);
  return {
    success: true,
    current_count: MEMORIES.length,
    projected_count: MEMORIES.length - Math.floor(small.length / 2),
    space_saved: `${tokens} tokens`,
    preview: [
      { action: 'fusionner', items: `${small.length} petites mémoires`, tokens, preview: `Fusion de ${small.length} mémoires < ${Math.trunc(limit)} tokens` },
    ],
    compression_ratio: tokens / TOTAL_TOKENS,
    error: null,
  };
}

// ---- similarity search ----

function pydanticError(field, msg, type, value) {
  return {
    field,
    text:
      `${field}\n  ${msg} [type=${type}, input_value=${pyRepr(value)}, input_type=${pyType(value)}]\n` +
      `    For further information visit https://errors.pydantic.dev/2.11/v/${type}`,
  };
}

/** Validates the SimilarityRequest payload like pydantic (lax mode). */
function validateSimilarity(p) {
  const errors = [];
  const out = { reference_id: null, reference_text: null, method: 'cosine', threshold: 0.75, limit: 20 };
  for (const k of ['reference_id', 'reference_text']) {
    if (!(k in p) || p[k] === null) continue;
    if (typeof p[k] === 'string') out[k] = p[k];
    else errors.push(pydanticError(k, 'Input should be a valid string', 'string_type', p[k]));
  }
  if ('method' in p) {
    if (['cosine', 'jaccard', 'levenshtein'].includes(p.method)) out.method = p.method;
    else errors.push(pydanticError('method', "Input should be 'cosine', 'jaccard' or 'levenshtein'", 'literal_error', p.method));
  }
  if ('threshold' in p) {
    const v = p.threshold;
    const n =
      typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : NaN;
    if (Number.isNaN(n)) {
      errors.push(
        typeof v === 'string'
          ? pydanticError('threshold', 'Input should be a valid number, unable to parse string as a number', 'float_parsing', v)
          : pydanticError('threshold', 'Input should be a valid number', 'float_type', v),
      );
    } else if (n < 0.5) errors.push(pydanticError('threshold', 'Input should be greater than or equal to 0.5', 'greater_than_equal', v));
    else if (n > 1) errors.push(pydanticError('threshold', 'Input should be less than or equal to 1', 'less_than_equal', v));
    else out.threshold = n;
  }
  if ('limit' in p) {
    const v = p.limit;
    let n = NaN;
    let err = null;
    if (typeof v === 'number') {
      if (Number.isInteger(v)) n = v;
      else err = pydanticError('limit', 'Input should be a valid integer, got a number with a fractional part', 'int_from_float', v);
    } else if (typeof v === 'boolean') n = Number(v);
    else if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) n = Number(v);
    else if (typeof v === 'string') err = pydanticError('limit', 'Input should be a valid integer, unable to parse string as an integer', 'int_parsing', v);
    else err = pydanticError('limit', 'Input should be a valid integer', 'int_type', v);
    if (err) errors.push(err);
    else if (n < 5) errors.push(pydanticError('limit', 'Input should be greater than or equal to 5', 'greater_than_equal', v));
    else if (n > 100) errors.push(pydanticError('limit', 'Input should be less than or equal to 100', 'less_than_equal', v));
    else out.limit = n;
  }
  if (!errors.length) return { value: out };
  const head = `${errors.length} validation error${errors.length > 1 ? 's' : ''} for SimilarityRequest`;
  return { error: [head, ...errors.map((e) => e.text)].join('\n') };
}

const words = (s) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function cosine(a, b) {
  const fa = new Map();
  const fb = new Map();
  for (const w of words(a)) fa.set(w, (fa.get(w) ?? 0) + 1);
  for (const w of words(b)) fb.set(w, (fb.get(w) ?? 0) + 1);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [w, x] of fa) {
    na += x * x;
    dot += x * (fb.get(w) ?? 0);
  }
  for (const x of fb.values()) nb += x * x;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function jaccard(a, b) {
  const sa = new Set(words(a));
  const sb = new Set(words(b));
  let inter = 0;
  for (const w of sa) if (sb.has(w)) inter += 1;
  const union = sa.size + sb.size - inter;
  return union ? inter / union : 0;
}

function levenshtein(a, b) {
  if (a === b) return 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return 1 - prev[b.length] / Math.max(a.length, b.length, 1);
}

const METHODS = { cosine, jaccard, levenshtein };

/**
 * @param {unknown} payload the command's `payload` object
 * @param {string} nowIso local ISO timestamp used as the mock memories' created_at
 * @returns {{ result: object } | { error: string }}
 */
export function similaritySearch(payload, nowIso) {
  const p = payload === undefined ? {} : payload;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    return { error: `argument after ** must be a mapping, not ${pyType(p)}` };
  }
  const v = validateSimilarity(p);
  if (v.error) return { error: v.error };
  const { reference_id: refId, reference_text: refText, method, threshold, limit } = v.value;
  const reference = refText || (refId ? MEMORIES.find((m) => m.id === refId)?.content : null);
  if (!reference) {
    return { result: { success: false, results: [], total_found: 0, method_used: method, threshold_used: threshold, error: 'Texte de référence non trouvé' } };
  }
  const results = MEMORIES.map((m) => ({ m, score: Math.round(METHODS[method](reference, m.content) * 1000) / 1000 }))
    .filter((x) => x.score >= threshold)
    .sort((x, y) => y.score - x.score)
    .slice(0, limit)
    .map(({ m, score }) => ({
      id: m.id,
      title: m.title,
      content: m.content,
      content_preview: m.content_preview,
      type: m.type,
      tokens: m.tokens,
      created_at: nowIso,
      similarity_score: score,
    }));
  return { result: { success: true, results, total_found: results.length, method_used: method, threshold_used: threshold, error: null } };
}

/**
 * Handles one parsed client command object.
 * @param {Record<string, any>} msg
 * @param {() => string} nowIso
 * @returns {{ broadcast?: object, reply: object } | null} null when `msg.type` is not a memory command
 */
export function handleMemoryCommand(msg, nowIso) {
  const requestId = msg.requestId ?? null;
  switch (msg.type) {
    case 'memory_compress_preview': {
      const result = compressPreview('strategy' in msg ? msg.strategy : 'token', 'threshold' in msg ? msg.threshold : 0.3);
      return { reply: { type: 'memory_compress_preview_response', requestId, result } };
    }
    case 'memory_compress_execute': {
      const strategy = 'strategy' in msg ? msg.strategy : 'token';
      const threshold = 'threshold' in msg ? msg.threshold : 0.3;
      const result = compressPreview(strategy, threshold);
      const reply = { type: 'memory_compress_result_response', requestId, result };
      if (pyTruthy(msg.dryRun)) return { reply };
      return {
        broadcast: { type: 'memory_compression_completed', strategy, threshold, memories_processed: MEMORIES.length, timestamp: nowIso() },
        reply,
      };
    }
    case 'memory_similarity_search': {
      const r = similaritySearch(msg.payload, nowIso());
      return { reply: { type: 'memory_similarity_result_response', requestId, ...r } };
    }
    default:
      return null;
  }
}
