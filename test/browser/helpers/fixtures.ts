/** The peer's reference frames: a copy of shared/kimi-protocol/fixtures.json, served by web-test-runner. */
export interface EdgeCase {
  frame: string;
  why: string;
}

export interface Fixtures {
  messages: Record<string, unknown>[];
  edge_cases: EdgeCase[];
}

let cache: Promise<Fixtures> | null = null;

export function loadFixtures(): Promise<Fixtures> {
  cache ??= fetch('/test/fixtures/kimi-fixtures.json').then((r) => {
    if (!r.ok) throw new Error(`fixtures.json: HTTP ${r.status}`);
    return r.json() as Promise<Fixtures>;
  });
  return cache;
}
