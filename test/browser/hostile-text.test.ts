// Server text that the dashboard renders, attacked: names inherited from Object.prototype, items
// churning through the feed, and strings of a megabyte.
import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import '../../src/define.js';
import { deliver } from './helpers/frames.js';
import type { KimiAlertFeed } from '../../src/components/alert-feed/kimi-alert-feed.js';
import type { KimiRealtime } from '../../src/index.js';
import { capText, MAX_RENDERED_TEXT } from '../../src/protocol/text.js';

type Message = Record<string, unknown>;

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

function send(target: Element, message: Message): void {
  deliver(target, message);
}

async function mountFeed(attrs = ''): Promise<{ source: KimiRealtime; feed: KimiAlertFeed }> {
  const source = await fixture<KimiRealtime>(html`<kimi-realtime manual session-id="1"><kimi-alert-feed></kimi-alert-feed></kimi-realtime>`);
  const feed = source.querySelector('kimi-alert-feed')!;
  if (attrs) for (const [name, value] of new URLSearchParams(attrs)) feed.setAttribute(name, value);
  await settle(feed);
  return { source, feed };
}

async function settle(feed: KimiAlertFeed): Promise<void> {
  await nextFrame();
  await feed.updateComplete;
}

const rows = (feed: KimiAlertFeed) => [...feed.shadowRoot!.querySelectorAll<HTMLElement>('[part="item"]')];
const threshold = (level: unknown, message = `Alert ${String(level)}`, pct = 91): Message => ({
  type: 'metric_updated',
  metric_id: 1,
  session_id: 1,
  real_tokens: { total: 1, prompt: 1, completion: 0, percentage: pct },
  cumulative_tokens: 1000,
  cumulative_percentage: pct,
  alert: { level, color: '#f00', message },
  source: 'proxy',
});

/** Every node of a shadow root, comments and text included. */
function countNodes(root: Node): number {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  let n = 0;
  while (walker.nextNode()) n++;
  return n;
}

/** The longest text node and attribute value in a shadow root. */
function longestRendered(root: ShadowRoot): { text: number; attribute: number } {
  let text = 0;
  let attribute = 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.nodeType === Node.TEXT_NODE) text = Math.max(text, node.textContent!.length);
    else for (const a of (node as Element).attributes) attribute = Math.max(attribute, a.value.length);
  }
  return { text, attribute };
}

describe('capText', () => {
  it('caps by length with an ellipsis, folds whitespace, never splits a surrogate pair', () => {
    expect(capText('  a \n\t b  ')).to.equal('a b');
    expect(capText(42)).to.equal('');
    const long = 'x'.repeat(1_000_000);
    const capped = capText(long, 50);
    expect(capped.length).to.equal(50);
    expect(capped.endsWith('…')).to.equal(true);
    const emoji = '😀'.repeat(100);
    const cut = capText(emoji, 11);
    expect(cut.endsWith('…')).to.equal(true);
    expect(/[\uD800-\uDBFF]…$/.test(cut), 'no lone high surrogate before the ellipsis').to.equal(false);
    expect(capText('y'.repeat(MAX_RENDERED_TEXT)).length).to.equal(MAX_RENDERED_TEXT);
  });
});

describe('dashboard against hostile server text', () => {
  it('treats inherited property names as unknown levels and keeps rendering later items', async () => {
    const { source, feed } = await mountFeed('max-items=50');
    for (const word of INHERITED) {
      send(source, threshold(word));
      send(source, { type: 'sanitizer_event', session_id: 1, event: { type: 'context_warning', level: word, message: `sanitizer ${word}` } });
      send(source, { type: 'context_performance_alert', session_id: 1, alert: { level: word, message: `perf ${word}` } });
      await settle(feed);
    }
    send(source, threshold('critical', 'after the bad ones', 97));
    await settle(feed);
    const shown = rows(feed);
    expect(shown.length).to.equal(INHERITED.length * 3 + 1);
    expect(shown[0]!.querySelector('.text')!.textContent).to.equal('after the bad ones');
    for (const row of shown) {
      expect(['info', 'caution', 'warning', 'error', 'critical']).to.include(row.dataset.level);
      expect(row.querySelector('.level')!.textContent).to.match(/^(Info|Caution|Warning|Error|Critical)$/);
    }
  });

  it('keeps the feed DOM bounded while items churn through it (no orphan markers)', async () => {
    const { source, feed } = await mountFeed('max-items=5&collapse-window=0');
    const push = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        send(source, threshold('warning', `distinct alert ${i}`));
        if (i % 7 === 0) await settle(feed);
      }
      await settle(feed);
    };
    await push(0, 100);
    const early = countNodes(feed.shadowRoot!);
    await push(100, 600);
    expect(rows(feed).length).to.equal(5);
    expect(countNodes(feed.shadowRoot!), 'nodes after 500 more items').to.equal(early);
  });

  it('caps every server string it renders (text, labels, live regions) and shows the cut', async () => {
    const { source, feed } = await mountFeed('max-items=50');
    const big = 'W'.repeat(1_000_000);
    // Distinct starts, so no two rows fold into one.
    let n = 0;
    const next = () => `${String.fromCharCode(65 + n++)}${big}`;
    const frames: Message[] = [
      threshold('critical', next(), 99),
      { type: 'streaming_error', session_id: 1, metric_id: 7, error_type: next(), error_message: next() },
      {
        type: 'provider_context_limit_error',
        session_id: 1,
        message: next(),
        provider: next(),
        model: next(),
        error: next(),
        estimated_tokens: 1,
        max_context: 2,
      },
      {
        type: 'compaction_event',
        session_id: 1,
        compaction: { compacted: true, tokens_saved: 1, original_tokens: 2, compacted_tokens: 1, trigger_reason: next() },
      },
      {
        type: 'sanitizer_event',
        session_id: 1,
        event: { type: 'context_warning', level: 'warning', message: next(), current_model: next(), prompt_tokens: 1, max_context: 2 },
      },
      {
        type: 'context_performance_alert',
        session_id: 1,
        message: next(),
        alert: { level: 'warning', message: next(), recommendations: [next(), next(), next(), next()] },
      },
      { type: 'context_limit_violation', session_id: 1, message: next(), violation: { estimated_tokens: 1, max_context: 2 } },
      { type: 'metric', session_id: 1, metric: { percentage: 90, cumulative_tokens: 5 }, alert: { level: next(), message: next() } },
    ];
    for (const frame of frames) send(source, frame);
    await settle(feed);
    expect(rows(feed).length).to.equal(frames.length);
    const longest = longestRendered(feed.shadowRoot!);
    // A row's detail joins a few capped parts; nothing comes near the megabyte.
    expect(longest.text, 'longest text node').to.be.below(4 * MAX_RENDERED_TEXT);
    expect(longest.attribute, 'longest attribute (aria-label)').to.be.below(2 * MAX_RENDERED_TEXT);
    for (const row of rows(feed)) expect(row.querySelector('.main')!.textContent, 'the cut is shown').to.contain('…');
    for (const region of feed.shadowRoot!.querySelectorAll('[aria-live]')) expect(region.textContent!.length).to.be.below(2 * MAX_RENDERED_TEXT);
  });
});

describe('dashboard numeric options', () => {
  it('an invalid number falls back to the default and raises one kimi:error invalid-option per bad setting', async () => {
    const source = await fixture<KimiRealtime>(
      html`<kimi-realtime manual no-hydrate session-id="1"><kimi-metric-chart></kimi-metric-chart><kimi-alert-feed></kimi-alert-feed></kimi-realtime>`,
    );
    const chart = source.querySelector('kimi-metric-chart')!;
    const feed = source.querySelector('kimi-alert-feed')!;
    const errors: { kind: string; message: string }[] = [];
    source.addEventListener('kimi:error', (e) => errors.push(e.detail));
    chart.setAttribute('max-points', '3s');
    chart.setAttribute('time-window', '-5');
    feed.setAttribute('max-items', '0');
    feed.setAttribute('collapse-window', 'NaN');
    await settle(feed);
    await chart.updateComplete;
    expect(chart.maxPoints).to.equal(300);
    expect(chart.timeWindow).to.equal(0);
    expect(feed.maxItems).to.equal(50);
    expect(feed.collapseWindow).to.equal(60_000);
    expect(errors.map((e) => e.kind)).to.deep.equal(['invalid-option', 'invalid-option', 'invalid-option', 'invalid-option']);
    expect(errors.map((e) => e.message.split(':')[0]).sort()).to.deep.equal(['collapse-window', 'max-items', 'max-points', 'time-window']);
    // Valid values are taken as given; removing the attribute restores the default.
    feed.setAttribute('max-items', '2');
    for (let i = 0; i < 5; i++) send(source, threshold('warning', `item ${i}`));
    await settle(feed);
    expect(rows(feed).length).to.equal(2);
    chart.setAttribute('max-points', '10');
    await chart.updateComplete;
    expect(chart.maxPoints).to.equal(10);
    chart.removeAttribute('max-points');
    await chart.updateComplete;
    expect(chart.maxPoints).to.equal(300);
    expect(errors.length, 'no report for valid values or a removed attribute').to.equal(4);
  });
});
