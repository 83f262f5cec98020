// What every user journey shares: one demo server and one Chromium per file (test/e2e/demo-server.mjs),
// a page that records console errors, and checks of what a person sees and hears — visible text,
// who has focus, the live regions, the tone of a message — plus a screenshot per step, saved
// under test/journeys/shots/ (git-ignored) for the look-at-it pass of docs/look-at-it.md.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const SHOTS = join(import.meta.dirname, 'shots');

/**
 * A page for one journey: `step(name)` saves a screenshot and checks the page's invariants.
 * Console errors fail the journey at `done()`, except `allow`ed expected ones (a 401 challenge is
 * the protocol itself, a 403 is a wrong code the journey typed on purpose).
 */
export async function journey(demo, name, { viewport = { width: 900, height: 800 }, colorScheme = 'light', allow = [/status of 40[13]/] } = {}) {
  const dir = join(SHOTS, name);
  rmSync(dir, { recursive: true, force: true }); // only this run's pictures
  mkdirSync(dir, { recursive: true });
  const page = await demo.browser.newPage({ viewport, colorScheme, reducedMotion: 'reduce' });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  let n = 0;
  return {
    page,
    problems,
    /** A screenshot of this step, then the invariants: focus is somewhere real, inside an open dialog. */
    async step(label) {
      await page.screenshot({ path: join(dir, `${String(++n).padStart(2, '0')}-${label}.png`) });
      const focus = await focusOwner(page);
      assert.notEqual(focus.tag, 'BODY', `${name}/${label}: focus fell to <body>`);
      if (focus.dialogOpen) assert.ok(focus.insideDialog, `${name}/${label}: focus (${focus.tag}) is outside the open dialog`);
      const title = await dialogTitle(page);
      if (title) assert.deepEqual(title.problems, [], `${name}/${label}: the title "${title.text}" is not fully in sight`);
      return focus;
    },
    async done() {
      assert.deepEqual(problems, [], `${name}: console errors`);
      await page.close();
    },
  };
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

/** Success and progress are never styled as an error (no bold alarm colour). */
export function assertCalm(status, what) {
  assert.ok(status, `${what}: no status`);
  assert.notEqual(status.role, 'alert', `${what}: success announced as an alert`);
  assert.ok(Number(status.weight) < 600, `${what}: "${status.text}" is bold like an error (${status.weight}, ${status.color})`);
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

/** Signs in on the demo page by keyboard. */
export async function signIn(page, url, name) {
  await page.goto(url);
  await page.locator('#username').focus();
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Signed in as ${name}` }).waitFor();
}
