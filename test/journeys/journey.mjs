// What every user journey shares: one demo server and one Chromium per file (test/e2e/demo-server.mjs),
// a page that records console errors, and checks of what a person sees and hears — visible text,
// who has focus, the live regions, the tone of a message — plus a screenshot per step, saved
// under test/journeys/shots/ (git-ignored) for the look-at-it pass of docs/look-at-it.md.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { enAll } from '../../dist/i18n/en-all.js';
import ar from '../../dist/i18n/locales/ar.js';

export const SHOTS = join(import.meta.dirname, 'shots');

/**
 * The messages that are good news or progress, never errors (in every language the journeys use):
 * they must not look like an error. Any other text in an element's live region is an error.
 */
const CALM_KEYS = ['copied', 'consoleChanged', 'codeResent', 'verifying', 'passkeyWaiting', 'passkeyRequired', 'loading'];
const CALM = new Set([enAll, ar].flatMap((s) => CALM_KEYS.map((k) => s[k])).filter(Boolean));

/** A failed response the journey expects (`status` code from a URL whose path matches `path`). */
export const expect = (status, path) => ({ text: new RegExp(`status of ${status}\\b`), path });
/** The transfer's routes: the demo page's form posts the bound one, the framework pages the plain one. */
export const TRANSFER = /^\/api\/(transfer|payments)$/;
/** A request the journey makes fail on purpose by turning the network off. */
export const offline = (path) => ({ text: /ERR_INTERNET_DISCONNECTED/, path });
/**
 * The demo pages poll their dev outbox every few seconds (demo.js, bank.js): a poll that falls in a
 * journey's offline window fails like any request, now and then — allowed wherever the network goes off.
 */
export const OUTBOX_POLL = offline(/^\/demo\/outbox$/);

/**
 * A page for one journey: `step(name)` saves a screenshot and checks the page's invariants.
 * Console errors fail the journey, except the ones `allow`ed: each names the failed response it
 * expects and the path it comes from (a 401 challenge of /api/transfer is the protocol itself, a
 * 403 of a resume is a wrong code the journey typed on purpose). Nothing is allowed by default:
 * a signed-out page's /demo/me 401 or a favicon 404 fails every journey.
 * From the first page load on, every focus change is watched (not only at the steps): while a
 * dialog is open, focus on <body> or outside the topmost open dialog fails the journey.
 */
export async function journey(demo, name, { viewport = { width: 900, height: 800 }, colorScheme = 'light', allow = [] } = {}) {
  const dir = join(SHOTS, name);
  rmSync(dir, { recursive: true, force: true }); // only this run's pictures
  mkdirSync(dir, { recursive: true });
  const page = await demo.browser.newPage({ viewport, colorScheme, reducedMotion: 'reduce' });
  const problems = [];
  const focusLost = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    const path = url ? new URL(url, 'http://x').pathname : '';
    if (!allow.some((a) => a.text.test(m.text()) && a.path.test(path))) problems.push(`console: ${m.text()} (${url})`);
  });
  await page.exposeBinding('__journeyFocusLost', (_source, what) => { focusLost.push(what); });
  await page.addInitScript(watchFocus);
  let n = 0;
  let label = 'start';
  const assertFocusKept = (where) =>
    assert.deepEqual(focusLost, [], `${name}/${where}: focus left the open dialog (watched on every focus change)`);
  return {
    page,
    problems,
    focusLost,
    /** A screenshot of this step, then the invariants: focus is somewhere real, inside an open dialog; every message in its tone. */
    async step(stepLabel) {
      label = stepLabel;
      await page.screenshot({ path: join(dir, `${String(++n).padStart(2, '0')}-${label}.png`) });
      const focus = await focusOwner(page);
      assert.notEqual(focus.tag, 'BODY', `${name}/${label}: focus fell to <body>`);
      if (focus.dialogOpen) assert.ok(focus.insideDialog, `${name}/${label}: focus (${focus.tag}) is outside the open dialog`);
      assertFocusKept(label);
      const title = await dialogTitle(page);
      if (title) assert.deepEqual(title.problems, [], `${name}/${label}: the title "${title.text}" is not fully in sight`);
      for (const m of await liveMessages(page)) assertTone(m, `${name}/${label}`);
      return focus;
    },
    async done() {
      assertFocusKept(`after ${label}`);
      assert.deepEqual(problems, [], `${name}: console errors`);
      await page.close();
    },
  };
}

/**
 * Runs in every document of a journey's page (an init script): after each focusin/focusout (they
 * cross shadow roots) and every 50 ms (a focused control removed by a render fires no event), while
 * a dialog is open, focus must be inside the topmost one — a modal's slotted light-DOM input
 * counts as inside. The first moment of each lapse is reported to the journey.
 */
function watchFocus() {
  const order = []; // open dialogs' hosts, in the order they opened: the last one is on top
  let lapsed = false;
  const check = (why) => {
    const hosts = [...document.querySelectorAll('mfa-prompt, mfa-enroll, mfa-authenticators')]
      .filter((h) => h.shadowRoot?.querySelector('dialog[open]'));
    for (let i = order.length - 1; i >= 0; i--) if (!hosts.includes(order[i])) order.splice(i, 1);
    for (const h of hosts) if (!order.includes(h)) order.push(h);
    const top = order.at(-1);
    if (!top) { lapsed = false; return; }
    let a = document.activeElement;
    const path = [a];
    while (a?.shadowRoot?.activeElement) path.push((a = a.shadowRoot.activeElement));
    const inside = a && a !== document.body && path.some((el) => el === top || top.contains(el) || top.shadowRoot.contains(el));
    if (inside) { lapsed = false; return; }
    if (lapsed) return;
    lapsed = true;
    window.__journeyFocusLost?.({
      on: a ? `${a.tagName}${a.id ? '#' + a.id : ''} "${(a.textContent ?? '').trim().slice(0, 40)}"` : 'nothing',
      dialog: `${top.localName}${top.id ? '#' + top.id : ''}: "${(top.shadowRoot.querySelector('#intro')?.textContent ?? '').trim().slice(0, 50)}"`,
      after: why,
    });
  };
  const later = (why) => () => setTimeout(() => check(why), 0);
  addEventListener('focusin', later('focusin'), true);
  addEventListener('focusout', later('focusout'), true);
  setInterval(() => check('poll'), 50);
}

/** Every live region's text in the elements (their status lines), with its role and look. */
export function liveMessages(page) {
  return page.evaluate(() => {
    const out = [];
    for (const host of document.querySelectorAll('mfa-prompt, mfa-enroll, mfa-authenticators')) {
      const root = host.shadowRoot;
      if (!root) continue;
      // The danger colour as this element resolves it (theme, dark mode).
      const probe = document.createElement('span');
      probe.style.color = 'var(--_danger)';
      (root.querySelector('dialog') ?? root).append(probe);
      const danger = getComputedStyle(probe).color;
      probe.remove();
      for (const s of root.querySelectorAll('[role="status"], [role="alert"], [aria-live]')) {
        const text = s.textContent.trim();
        if (!text || !s.checkVisibility()) continue;
        const style = getComputedStyle(s);
        out.push({ element: host.localName, text, role: s.getAttribute('role'), live: s.getAttribute('aria-live'), color: style.color, danger, weight: Number(style.fontWeight) });
      }
    }
    return out;
  });
}

/**
 * The tone of a message (docs/look-at-it.md, "Tone"): good news and progress are in the normal
 * colour and weight and never an alert; an error is in the danger colour, bold, in a live region
 * (role=alert when it interrupts, otherwise role=status, polite).
 */
export function assertTone(m, where) {
  if (CALM.has(m.text)) {
    assert.notEqual(m.role, 'alert', `${where}: "${m.text}" (good news/progress) announced as an alert`);
    assert.notEqual(m.color, m.danger, `${where}: "${m.text}" (good news/progress) is in the danger colour`);
    assert.ok(m.weight < 600, `${where}: "${m.text}" (good news/progress) is bold like an error (${m.weight})`);
  } else {
    assert.ok(m.role === 'alert' || (m.role === 'status' && m.live === 'polite'), `${where}: the error "${m.text}" is not in a live region (role=${m.role}, aria-live=${m.live})`);
    assert.equal(m.color, m.danger, `${where}: the error "${m.text}" is not in the danger colour`);
    assert.ok(m.weight >= 600, `${where}: the error "${m.text}" is not bold (${m.weight})`);
  }
}

/** Who has focus (through shadow roots) and whether an open modal dialog holds it. */
export function focusOwner(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    const path = [a];
    while (a?.shadowRoot?.activeElement) path.push((a = a.shadowRoot.activeElement));
    const hosts = [...document.querySelectorAll('mfa-prompt, mfa-enroll, mfa-authenticators')];
    const open = hosts.filter((h) => h.shadowRoot?.querySelector('dialog[open]'));
    // The topmost open dialog is the last one opened (stacked step-up over enrollment or console).
    const top = open.at(-1);
    return {
      tag: a?.tagName ?? 'NONE',
      id: a?.id ?? '',
      text: (a?.textContent ?? '').trim().slice(0, 60),
      dialogOpen: !!top,
      insideDialog: !!top && path.some((el) => el === top || top.contains(el) || top.shadowRoot.contains(el)),
    };
  });
}

/**
 * The title of the topmost open dialog, and what keeps a person from reading it: cut off by the
 * viewport, scrolled out of the dialog, covered, or clipped sideways (a small screen, a long word).
 */
export function dialogTitle(page) {
  return page.evaluate(() => {
    const hosts = [...document.querySelectorAll('mfa-prompt, mfa-enroll, mfa-authenticators')];
    const top = hosts.filter((h) => h.shadowRoot?.querySelector('dialog[open]')).at(-1);
    const t = top?.shadowRoot.querySelector('[part~="title"]');
    if (!t) return null;
    const r = t.getBoundingClientRect();
    const d = top.shadowRoot.querySelector('dialog').getBoundingClientRect();
    const problems = [];
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) problems.push('outside the viewport');
    if (r.top < d.top || r.bottom > d.bottom) problems.push('scrolled out of the dialog');
    if (t.scrollWidth > t.clientWidth) problems.push('clipped sideways');
    const hit = top.shadowRoot.elementFromPoint(r.left + Math.min(8, r.width / 2), r.top + Math.min(8, r.height / 2));
    if (!problems.length && !(hit === t || t.contains(hit))) problems.push(`covered by ${hit?.tagName}`);
    return { text: t.textContent.trim(), problems };
  });
}

/** The status line of an element, with its role and whether it is styled like an error. */
export function statusOf(page, tag) {
  return page.evaluate((t) => {
    const hosts = [...document.querySelectorAll(t)];
    const el = hosts.find((h) => h.shadowRoot?.querySelector('dialog[open], section')) ?? hosts[0];
    const s = el?.shadowRoot?.querySelector('[part~="status"]');
    if (!s) return null;
    const style = getComputedStyle(s);
    return { text: s.textContent.trim(), role: s.getAttribute('role'), kind: s.dataset.kind ?? '', weight: style.fontWeight, color: style.color };
  }, tag);
}

/** The visible text of the demo page's result line (a live region). */
export const result = (page) => page.locator('#result').textContent().then((t) => t.trim());

/** Waits until `check()` is truthy (polls; fails after `ms`). */
export async function until(check, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The 6-digit code of the next message the page's dev outbox shows (newer than `seen.last`):
 * what a person reads off their phone or inbox.
 */
export async function nextCodeOnPage(page, seen) {
  const item = page.locator('#outbox li').first();
  return until(async () => {
    const text = (await item.count()) ? await item.textContent() : '';
    if (!text || text === seen.last) return null;
    seen.last = text;
    return text.match(/\b(\d{6})\b/)?.[1];
  }, 10_000, 'a new code in the outbox');
}

/** Whether `handle` is the element that has focus, looking through shadow roots. */
const hasFocus = (page, handle) => page.evaluate((h) => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a === h;
}, handle);

/**
 * Reaches `target` (a locator) as a person with a keyboard does: Tab (or Shift+Tab with `back`)
 * until it has focus. Fails when a whole round of the page's (or the dialog's) controls passes
 * without it: a control the keyboard cannot reach.
 */
export async function tabTo(page, target, { back = false, max = 60 } = {}) {
  const handle = await target.elementHandle();
  for (let i = 0; !(await hasFocus(page, handle)); i++) {
    if (i === max) throw new Error(`${target} cannot be reached with ${back ? 'Shift+Tab' : 'Tab'} (${max} presses)`);
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  await handle.dispose();
}

/** Tabs to the button named `name` (in the page or an open dialog) and presses Enter. */
export async function press(page, name, { back = false, key = 'Enter', within = page } = {}) {
  await tabTo(page, within.getByRole('button', { name, exact: true }), { back });
  await page.keyboard.press(key);
}

/** Signs in on the demo page by keyboard: Tab to the name field, type, Enter. */
export async function signIn(page, url, name) {
  await page.goto(url);
  await tabTo(page, page.locator('#username'));
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Signed in as ${name}` }).waitFor();
}
