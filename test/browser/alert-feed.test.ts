import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.js';
import { deliver } from './helpers/frames.js';
import { KimiAlertFeed } from '../../src/components/alert-feed/kimi-alert-feed.js';
import { KimiAlertDismissEvent } from '../../src/components/alert-feed/kimi-alert-dismiss-event.js';
import { AlertList, alertFromMessage, type AlertItem } from '../../src/components/alert-feed/alert-model.js';
import { relativeTime, relativeTimeChangesIn } from '../../src/components/shared/locale.js';
import type { KimiMessage, KimiRealtime } from '../../src/index.js';
import { loadFixtures, type Fixtures } from './helpers/fixtures.js';
import { record } from './helpers/element.js';
import { Sim, until } from './helpers/simulator.js';
import { RENDERS } from '../../src/components/shared/dashboard-element.js';
import { setColorScheme, useColorScheme } from './helpers/browser.js';

KimiAlertFeed.define();

type Message = Record<string, any>;

const CAUTION = { level: 'caution', color: '#eab308', message: '⚡ Attention (80%)' };
const WARNING = { level: 'warning', color: '#f97316', message: '⚠️ CONTEXTE ÉLEVÉ (90%)' };
const CRITICAL = { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' };

const updated = (alert: object | null, pct = 96.2, sessionId = 1): Message => ({
  type: 'metric_updated',
  metric_id: 1,
  session_id: sessionId,
  real_tokens: { total: 252_300, prompt: 250_100, completion: 2200, percentage: pct },
  cumulative_tokens: 252_300,
  cumulative_percentage: pct,
  alert,
  source: 'proxy',
});
const streamError = (text = 'Connexion interrompue par le provider', type = 'read_error'): Message => ({
  type: 'streaming_error',
  session_id: 1,
  metric_id: 42,
  error_type: type,
  error_message: text,
  timestamp: '2026-05-07T09:06:04.918273',
});

function send(target: Element, message: Message): void {
  deliver(target, message);
}

async function mount(attrs = ''): Promise<{ source: KimiRealtime; feed: KimiAlertFeed }> {
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
const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const rowText = (row: HTMLElement, cls: string) => clean(row.querySelector(`.${cls}`)?.textContent);
/** level|kind|text|count as a sighted user sees the row (the count's "N times" is for screen readers). */
const summary = (feed: KimiAlertFeed) =>
  rows(feed).map((r) => `${r.dataset.level}|${r.dataset.kind}|${rowText(r, 'text')}|${clean(r.querySelector('.count [aria-hidden="true"]')?.textContent)}`);
const live = (feed: KimiAlertFeed, politeness: 'polite' | 'assertive') => clean(feed.shadowRoot!.querySelector(`[aria-live="${politeness}"]`)!.textContent);

describe('alert model', () => {
  let fixtures: Fixtures;
  before(async () => {
    fixtures = await loadFixtures();
  });

  it('maps each message kind to a level, kind and text, and ignores the rest', () => {
    const byType = (type: string, pick = 0) => fixtures.messages.filter((m) => m.type === type)[pick] as KimiMessage;
    const caution = alertFromMessage(byType('metric_updated', 1))!;
    expect(caution).to.include({ kind: 'threshold', level: 'caution', text: '⚡ Attention (80%)' });
    expect(caution.detail).to.equal('82.5 % of the context window · 216,170 tokens');
    expect(alertFromMessage(byType('metric_updated', 0)), 'alert null').to.equal(null);
    expect(alertFromMessage(byType('streaming_error'))).to.deep.equal({
      kind: 'streaming-error',
      level: 'error',
      text: 'Connexion interrompue par le provider',
      detail: 'read_error · request #42',
    });
    const limit = alertFromMessage(byType('provider_context_limit_error'))!;
    expect(limit).to.include({ kind: 'context-limit', level: 'critical', text: 'Le provider a rejeté la requête pour dépassement de limite de contexte' });
    expect(limit.detail).to.contain('managed:kimi-code · kimi-for-coding · 259,870 of 262,144 tokens estimated').and.contain('maximum context length');
    expect(alertFromMessage(byType('compaction_event', 0))).to.deep.equal({
      kind: 'compaction',
      level: 'info',
      text: 'Compaction saved 2,868 tokens (68.6 %)',
      detail: '4,180 → 1,312 tokens · 14 → 6 messages',
    });
    expect(alertFromMessage(byType('compaction_event', 1))!.detail).to.equal('4,180 → 1,312 tokens · manual');
    expect(alertFromMessage(byType('compression_event'))).to.deep.equal({
      kind: 'compression',
      level: 'info',
      text: 'Compression saved 2,410 tokens (66.0 %)',
      detail: '3,650 → 1,240 tokens · 22 → 7 messages',
    });
    const declined = JSON.parse(fixtures.edge_cases.find((c) => c.frame.includes('"compressed":false'))!.frame);
    expect(alertFromMessage(declined)).to.deep.equal({
      kind: 'compression',
      level: 'info',
      text: 'Compression declined: nothing worth compressing',
      detail: '812 tokens left as they were',
    });
    expect(alertFromMessage(byType('sanitizer_event')), 'model_fallback is not a context warning').to.equal(null);
    const warning = alertFromMessage({
      type: 'sanitizer_event',
      session_id: 1,
      event: {
        type: 'context_warning',
        level: 'critical',
        message: 'Contexte presque plein',
        current_model: 'kimi-for-coding',
        prompt_tokens: 250_000,
        max_context: 262_144,
      },
    })!;
    expect(warning).to.deep.equal({
      kind: 'context-warning',
      level: 'critical',
      text: 'Contexte presque plein',
      detail: 'kimi-for-coding · 250,000 of 262,144 tokens',
    });
    expect(alertFromMessage(byType('context_performance_alert'))).to.include({
      kind: 'context-warning',
      level: 'warning',
      text: '⚠️ CONTEXTE ÉLEVÉ: 229,376/262,144 tokens (87.5%)',
    });
    expect(alertFromMessage(byType('context_limit_violation'))).to.include({
      kind: 'context-warning',
      level: 'warning',
      text: 'Requête trop volumineuse (251,000 tokens) - Optimiser le prompt système',
    });
    const legacy = byType('metric') as Message;
    expect(alertFromMessage({ ...legacy, alert: WARNING } as KimiMessage)).to.include({ kind: 'threshold', level: 'warning', text: WARNING.message });
    for (const type of ['init', 'log_metric', 'new_session', 'cline_usage_updated']) expect(alertFromMessage(byType(type)), type).to.equal(null);
    // Hostile shapes yield something readable or nothing, never a throw.
    expect(alertFromMessage({ type: 'metric_updated', alert: { level: 'bogus', message: 42 } } as never)).to.include({ level: 'caution' });
    expect(alertFromMessage({ type: 'compaction_event', compaction: null } as never)).to.equal(null);
  });

  it('folds repeats (consecutive, or within the window), keeps newest first and bounds the list', () => {
    const list = new AlertList(3, 60_000);
    const a = { kind: 'threshold', level: 'critical', text: 'A', detail: '1' } as const;
    const b = { kind: 'streaming-error', level: 'error', text: 'B', detail: '' } as const;
    const m = { type: 'metric_updated' } as KimiMessage;
    list.add(a, m, 0);
    list.add({ ...a, detail: '2' }, m, 1000);
    expect(list.items.map((i) => [i.text, i.count, i.lastAt, i.detail])).to.deep.equal([['A', 2, 1000, '2']]);
    list.add(b, m, 2000);
    list.add(a, m, 30_000); // within 60 s of the last A: joins it and moves to the top
    expect(list.items.map((i) => `${i.text}×${i.count}`)).to.deep.equal(['A×3', 'B×1']);
    list.add(b, m, 100_000); // B was last seen 98 s ago and is not the newest: a new row
    list.add(a, m, 200_000); // likewise for A; the list holds 3, so the oldest B goes
    expect(list.items.map((i) => `${i.text}×${i.count}`)).to.deep.equal(['A×1', 'B×1', 'A×3']);
    list.add({ ...b, text: 'C' }, m, 200_001);
    expect(
      list.items.map((i) => i.text),
      'bounded to 3, oldest dropped',
    ).to.deep.equal(['C', 'A', 'B']);
    list.maxItems = 1;
    expect(list.items.map((i) => i.text)).to.deep.equal(['C']);
    expect(list.remove(list.items[0]!.id)!.text).to.equal('C');
    expect(list.items).to.have.length(0);
  });

  it('writes relative times', () => {
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
    expect(relativeTime(1000, 3000)).to.equal(rtf.format(0, 'second'));
    expect(relativeTime(0, 12_000)).to.equal(rtf.format(-12, 'second'));
    expect(relativeTime(0, 3 * 60_000 + 5000)).to.equal(rtf.format(-3, 'minute'));
    expect(relativeTime(0, 2 * 3_600_000)).to.equal(rtf.format(-2, 'hour'));
    // When the text changes next: "now" until 5 s, then each second, each minute, each hour.
    expect(relativeTimeChangesIn(1000, 3000)).to.equal(3000);
    expect(relativeTimeChangesIn(0, 12_300)).to.equal(700);
    expect(relativeTimeChangesIn(0, 3 * 60_000 + 5000)).to.equal(55_000);
    expect(relativeTimeChangesIn(0, 2 * 3_600_000 + 1)).to.equal(3_600_000 - 1);
  });
});

describe('<kimi-alert-feed>', () => {
  afterEach(async () => {
    await setColorScheme('light');
  });

  it('shows the empty state, then each kind of alert newest first', async () => {
    const fixtures = await loadFixtures();
    const { source, feed } = await mount();
    expect(clean(feed.shadowRoot!.querySelector('[part="empty"]')?.textContent)).to.equal('No alerts');
    expect(feed.shadowRoot!.querySelector('[part="list"]')).to.equal(null);
    const pick = (type: string, i = 0) => ({ ...fixtures.messages.filter((m) => m.type === type)[i], session_id: 1 }) as Message;
    send(source, updated(CAUTION, 82.5));
    send(source, pick('streaming_error'));
    send(source, pick('provider_context_limit_error'));
    send(source, pick('compaction_event'));
    send(source, pick('compression_event'));
    send(source, {
      type: 'sanitizer_event',
      session_id: 1,
      event: { type: 'context_warning', level: 'critical', message: 'Contexte presque plein', current_model: 'm', prompt_tokens: 1, max_context: 2 },
    });
    send(source, pick('context_performance_alert'));
    send(source, pick('context_limit_violation'));
    const legacy = pick('metric');
    send(source, { ...legacy, alert: WARNING, metric: { ...(legacy.metric as object), percentage: 91 } });
    send(source, updated(null, 50)); // below 80 % now: adds nothing and clears nothing
    await settle(feed);
    expect(summary(feed)).to.deep.equal([
      'warning|threshold|⚠️ CONTEXTE ÉLEVÉ (90%)|',
      'warning|context-warning|Requête trop volumineuse (251,000 tokens) - Optimiser le prompt système|',
      'warning|context-warning|⚠️ CONTEXTE ÉLEVÉ: 229,376/262,144 tokens (87.5%)|',
      'critical|context-warning|Contexte presque plein|',
      'info|compression|Compression saved 2,410 tokens (66.0 %)|',
      'info|compaction|Compaction saved 2,868 tokens (68.6 %)|',
      'critical|context-limit|Le provider a rejeté la requête pour dépassement de limite de contexte|',
      'error|streaming-error|Connexion interrompue par le provider|',
      'caution|threshold|⚡ Attention (80%)|',
    ]);
    expect(feed.shadowRoot!.querySelector('[part="empty"]')).to.equal(null);
    const first = rows(feed)[0]!;
    expect(rowText(first, 'level')).to.equal('Warning');
    expect(first.querySelector('time')!.getAttribute('datetime')).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(clean(first.querySelector('time')!.textContent)).to.equal(
      new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' }).format(0, 'second'),
    );
    // Colours differ by level (and the level is also written out).
    const colour = (i: number) => getComputedStyle(rows(feed)[i]!).borderLeftColor;
    expect(new Set([colour(0), colour(3), colour(4), colour(8)]).size).to.equal(4);
  });

  it('collapses repeats into one row with a count and the latest time', async () => {
    const { source, feed } = await mount();
    for (let i = 0; i < 3; i++) send(source, updated(CRITICAL, 95 + i));
    await settle(feed);
    expect(summary(feed)).to.deep.equal(['critical|threshold|⚠️ CONTEXTE CRITIQUE (95%)|×3']);
    expect(rowText(rows(feed)[0]!, 'detail')).to.match(/^97\.0 % of the context window/);
    expect(feed.items[0]!.count).to.equal(3);
    send(source, updated(CAUTION, 85));
    send(source, updated(CRITICAL, 99));
    await settle(feed);
    expect(summary(feed), 'within the window: joins the earlier row, which moves up').to.deep.equal([
      'critical|threshold|⚠️ CONTEXTE CRITIQUE (95%)|×4',
      'caution|threshold|⚡ Attention (80%)|',
    ]);
    feed.collapseWindow = 0;
    send(source, updated(CAUTION, 85));
    send(source, updated(CRITICAL, 99));
    await settle(feed);
    expect(
      summary(feed).map((s) => s.split('|').pop()),
      'window 0: only consecutive repeats fold',
    ).to.deep.equal(['', '', '×4', '']);
    send(source, updated(CRITICAL, 99));
    await settle(feed);
    expect(summary(feed).map((s) => s.split('|').pop())).to.deep.equal(['×2', '', '×4', '']);
  });

  it('dismisses an item by click and fires kimi:alert-dismiss', async () => {
    const { source, feed } = await mount();
    send(source, streamError('one'));
    send(source, streamError('two'));
    await settle(feed);
    const dismissed = record<AlertItem>(document, 'kimi:alert-dismiss');
    let event = null as Event | null; // assigned in a listener: keep TypeScript from narrowing to null
    feed.addEventListener('kimi:alert-dismiss', (e) => (event = e), { once: true });
    const button = rows(feed)[0]!.querySelector<HTMLButtonElement>('[part="dismiss"]')!;
    expect(button.getAttribute('aria-label')).to.equal('Dismiss error: two');
    button.click();
    await settle(feed);
    expect(summary(feed)).to.deep.equal(['error|streaming-error|one|']);
    expect(dismissed.map((d) => d.text)).to.deep.equal(['two']);
    expect(event instanceof KimiAlertDismissEvent).to.equal(true);
    expect(event!.bubbles && event!.composed).to.equal(true);
    // dismiss() from the page removes without an event.
    feed.dismiss(feed.items[0]!.id);
    await settle(feed);
    expect(rows(feed)).to.have.length(0);
    expect(dismissed).to.have.length(1);
  });

  it('dismisses with the keyboard and keeps focus in the list', async () => {
    const { source, feed } = await mount();
    for (const t of ['a', 'b', 'c']) send(source, streamError(t));
    await settle(feed);
    const dismissed = record<AlertItem>(feed, 'kimi:alert-dismiss');
    const buttons = () => [...feed.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="dismiss"]')];
    buttons()[0]!.focus();
    await sendKeys({ press: 'Enter' });
    await settle(feed);
    expect(summary(feed).map((s) => s.split('|')[2])).to.deep.equal(['b', 'a']);
    // Booleans: a failing comparison of DOM nodes makes the runner serialise them and lose the browser.
    expect(feed.shadowRoot!.activeElement === buttons()[0], 'focus moves to the next dismiss button').to.equal(true);
    await sendKeys({ press: ' ' });
    await settle(feed);
    await sendKeys({ press: 'Enter' });
    await settle(feed);
    expect(dismissed.map((d) => d.text)).to.deep.equal(['c', 'b', 'a']);
    expect(feed.shadowRoot!.activeElement === feed.shadowRoot!.querySelector('[part="empty"]'), 'focus on the empty text').to.equal(true);
  });

  it('keeps at most max-items, dropping the oldest', async () => {
    const { source, feed } = await mount('max-items=3');
    for (let i = 1; i <= 5; i++) send(source, streamError(`e${i}`));
    await settle(feed);
    expect(summary(feed).map((s) => s.split('|')[2])).to.deep.equal(['e5', 'e4', 'e3']);
    feed.maxItems = 1;
    expect(feed.items).to.have.length(1);
    await settle(feed);
    expect(rows(feed)).to.have.length(1);
  });

  it('renders server text as text, never as markup', async () => {
    const { source, feed } = await mount();
    const payload = '<img src=x onerror="window.__kimiXss=1"><b>bold</b>';
    send(source, updated({ level: 'critical', color: 'red', message: payload }));
    send(source, streamError(payload, '<script>window.__kimiXss=2</script>'));
    await settle(feed);
    await new Promise((r) => setTimeout(r, 50));
    expect(rowText(rows(feed)[1]!, 'text')).to.equal(payload);
    expect(rowText(rows(feed)[0]!, 'detail')).to.contain('<script>');
    expect(feed.shadowRoot!.querySelector('img, b, script')).to.equal(null);
    expect((window as any).__kimiXss).to.equal(undefined);
  });

  it('writes times in the language of the page, and survives a malformed lang', async () => {
    const root = await fixture<HTMLDivElement>(
      html`<div lang="fr">
        <kimi-realtime manual session-id="1"><kimi-alert-feed></kimi-alert-feed></kimi-realtime>
      </div>`,
    );
    const source = root.querySelector('kimi-realtime')!;
    const feed = root.querySelector('kimi-alert-feed')!;
    send(source, streamError());
    await settle(feed);
    feed.items[0]!.lastAt -= 5 * 60_000;
    feed.requestUpdate();
    await settle(feed);
    expect(clean(rows(feed)[0]!.querySelector('time')!.textContent)).to.equal(
      clean(new Intl.RelativeTimeFormat('fr', { numeric: 'auto', style: 'short' }).format(-5, 'minute')),
    );
    root.setAttribute('lang', 'not a language!');
    feed.requestUpdate();
    await settle(feed);
    expect(clean(rows(feed)[0]!.querySelector('time')!.textContent)).to.equal(
      new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' }).format(-5, 'minute'),
    );
  });

  it('announces the newest item: politely, and assertively when critical', async () => {
    const { source, feed } = await mount();
    expect(feed.shadowRoot!.querySelector('[aria-live="polite"]')!.getAttribute('role')).to.equal('status');
    expect(live(feed, 'polite')).to.equal('');
    send(source, updated(CAUTION, 82));
    await settle(feed);
    expect(live(feed, 'polite')).to.equal('Caution: ⚡ Attention (80%)');
    expect(live(feed, 'assertive')).to.equal('');
    send(source, updated(CRITICAL, 96));
    await settle(feed);
    expect(live(feed, 'assertive')).to.equal('Critical: ⚠️ CONTEXTE CRITIQUE (95%)');
    expect(live(feed, 'polite')).to.equal('Caution: ⚡ Attention (80%)');
    send(source, updated(CRITICAL, 97));
    await settle(feed);
    expect(live(feed, 'assertive'), 'a repeat is announced with its count').to.equal('Critical: ⚠️ CONTEXTE CRITIQUE (95%) (2 times)');
  });

  it('renders once per frame however many messages arrive', async () => {
    const { source, feed } = await mount();
    await nextFrame();
    const before = feed[RENDERS];
    for (let i = 0; i < 100; i++) send(source, streamError(`e${i}`));
    await nextFrame();
    await nextFrame();
    expect(feed[RENDERS] - before).to.equal(1);
    expect(rows(feed)).to.have.length(50);
    expect(rowText(rows(feed)[0]!, 'text')).to.equal('e99');
  });

  it('redraws relative times when their text changes, with one timer that stops when empty or removed', async () => {
    const realNow = Date.now;
    const timer = (feed: KimiAlertFeed) => (feed as unknown as { refreshTimer: unknown }).refreshTimer;
    try {
      const { source, feed } = await mount();
      expect(timer(feed), 'no timer while empty').to.equal(undefined);
      send(source, streamError());
      await settle(feed);
      expect(timer(feed)).to.not.equal(undefined);
      Date.now = () => realNow() + 3 * 60_000 + 5000;
      feed.requestUpdate();
      await settle(feed);
      expect(clean(rows(feed)[0]!.querySelector('time')!.textContent)).to.equal(
        new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' }).format(-3, 'minute'),
      );
      Date.now = realNow;
      feed.clear();
      await settle(feed);
      expect(timer(feed), 'stopped when empty').to.equal(undefined);
      send(source, streamError());
      await settle(feed);
      expect(timer(feed)).to.not.equal(undefined);
      feed.remove();
      expect(timer(feed), 'stopped on removal').to.equal(undefined);
      await settle(feed);
      expect(timer(feed), 'not restarted by a late render').to.equal(undefined);
    } finally {
      Date.now = realNow;
    }
  });

  it('clears when the session changes, keeps items across a null alert', async () => {
    const { source, feed } = await mount();
    send(source, updated(WARNING, 91));
    send(source, updated(null, 40));
    await settle(feed);
    expect(rows(feed)).to.have.length(1);
    source.sessionId = '2';
    await settle(feed);
    expect(rows(feed)).to.have.length(0);
  });

  it('finds its source by id when it stands elsewhere', async () => {
    const root = await fixture<HTMLDivElement>(
      html`<div>
        <kimi-realtime id="feed-source" manual session-id="1"></kimi-realtime>
        <section><kimi-alert-feed source="feed-source"></kimi-alert-feed></section>
      </div>`,
    );
    const source = root.querySelector('kimi-realtime')!;
    const feed = root.querySelector('kimi-alert-feed')!;
    await settle(feed);
    send(source, updated(CRITICAL));
    await until(() => rows(feed).length === 1, { what: 'item from #feed-source' });
    // Another <kimi-realtime> without the id does not feed it.
    const other = await fixture<KimiRealtime>(html`<kimi-realtime manual session-id="1"></kimi-realtime>`);
    send(other, streamError());
    await settle(feed);
    expect(rows(feed)).to.have.length(1);
  });

  it('is accessible in light and dark schemes', async function () {
    const { source, feed } = await mount();
    send(source, updated(CAUTION, 82));
    send(source, updated(WARNING, 91));
    send(source, updated(CRITICAL, 96));
    send(source, updated(CRITICAL, 97));
    send(source, streamError());
    send(source, {
      type: 'compaction_event',
      session_id: 1,
      compaction: {
        compacted: true,
        original_tokens: 10,
        compacted_tokens: 5,
        tokens_saved: 5,
        compaction_ratio: 50,
        messages_before: 4,
        messages_after: 2,
        summarized_count: 2,
      },
    });
    await settle(feed);
    await expect(feed).to.be.accessible();
    await useColorScheme(this, 'dark');
    await settle(feed);
    await expect(feed).to.be.accessible();
    const empty = await mount();
    await expect(empty.feed).to.be.accessible();
  });

  it('shows alerts from the simulator for its session only', async () => {
    const sim = await Sim.create({ sessions: [1, 2], activeSession: 1 });
    try {
      const source = await fixture<KimiRealtime>(html`<kimi-realtime url=${sim.url} session-id="1"><kimi-alert-feed></kimi-alert-feed></kimi-realtime>`);
      const feed = source.querySelector('kimi-alert-feed')!;
      await until(() => source.state === 'open', { what: 'open' });
      await sim.push(updated(CRITICAL, 96, 2), updated(CRITICAL, 96, 1), updated(CRITICAL, 97, 1), streamError());
      await until(() => rows(feed).length === 2, { what: 'two rows' });
      expect(summary(feed)).to.deep.equal(['error|streaming-error|Connexion interrompue par le provider|', 'critical|threshold|⚠️ CONTEXTE CRITIQUE (95%)|×2']);
    } finally {
      await sim.close();
    }
  });
});
