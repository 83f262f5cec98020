/**
 * Transcodes facade: the seed's own examples (test/fixtures/seeds/001_…txt, "Step 4: Handle the MFA
 * response") run against the real server, with `transcodes` imported from our compat module.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { transcodes } from '../src/compat/transcodes.js';
import { getDefaultClient } from '../src/client/default-client.js';
import type { IdpAuthResponse } from '../src/core/types.js';
import { getAccessToken } from '../src/index.js';
import { enrollTotpFactor, signInNewUser, until } from './helpers/session.js';
import { visiblePrompt, watchEvents } from './helpers/drive.js';
import { totpCode } from './helpers/totp-webcrypto.js';

const expectNothingSecret = (seen: { detail: string }[], ...secrets: string[]) => {
  for (const { detail } of seen) for (const s of secrets) expect(detail).not.to.contain(s);
};

type AuditEvent = { type: string; severity: string; status: string; resource?: string; action?: string; metadata?: Record<string, unknown> };
const audit = async () => (await (await fetch('/demo/audit')).json()).events as AuditEvent[];

// ---- Stand-ins for the app around the examples (not MFA) ---------------------------------------

/** What the examples print (`console.log`) and the app functions they call. */
const app = {
  printed: [] as string[],
  performed: 0,
  panelsShown: 0,
  alerts: [] as string[],
  settingsUpdates: [] as unknown[],
};
const performSensitiveAction = async () => void app.performed++;
const showAdminPanel = () => void app.panelsShown++;
const alert = (text: string) => void app.alerts.push(text);
const console = { log: (...args: unknown[]) => void app.printed.push(args.map(String).join(' ')) };

/**
 * The seed's "Server-Side Verification" route (`POST /api/admin/settings`), which the demo app does
 * not have: served in the page by wrapping `fetch`. `verifyAccessToken` really verifies the token:
 * the server's public key (`/mfa/jwks.json`), issuer, audience, type, and the resource/action it is for.
 */
const jwks = createRemoteJWKSet(new URL('/mfa/jwks.json', location.href));
/** Issuer and audience as the server's discovery document announces them (the issuer is install-specific). */
const discovery = fetch('/mfa/.well-known/mfa-configuration').then((r) => r.json() as Promise<{ issuer: string; token_audience: string; token_type: string }>);
async function verifyAccessToken(accessToken: string | undefined) {
  if (!accessToken) return null;
  try {
    const d = await discovery;
    const { payload } = await jwtVerify(accessToken, jwks, { issuer: d.issuer, audience: d.token_audience, typ: d.token_type });
    return payload.resource === 'admin_settings' && payload.action === 'update' ? payload : null;
  } catch {
    return null;
  }
}
const updateSettings = async (body: unknown) => void app.settingsUpdates.push(body);
const realFetch = window.fetch;
const adminRouteAnswers: number[] = [];
function mountAdminRoute() {
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input) !== '/api/admin/settings') return realFetch(input, init);
    const headers = new Headers(init?.headers);
    const req = { headers: { authorization: headers.get('authorization') ?? undefined }, body: JSON.parse(String(init?.body)) };
    // The seed's Express handler, line for line:
    const accessToken = req.headers.authorization?.split(' ')[1];
    const user = await verifyAccessToken(accessToken);
    if (!user) {
      adminRouteAnswers.push(401);
      return Response.json({ error: 'Unauthorized' }, { status: 401 });
    }
    await updateSettings(req.body);
    adminRouteAnswers.push(200);
    return Response.json({ success: true });
  };
  return () => void (window.fetch = realFetch);
}

// ---- The seed's examples, copied as published (top-level `await` code wrapped in functions; ----
// ---- Basic Handling also returns its `mfaResult`, which the History Log example continues from) ----

async function basicHandling() {
const mfaResult = await transcodes.openAuthIdpModal({
resource: 'sensitive_action',
action: 'delete',
});
if (mfaResult.success && mfaResult.payload[0]?.success) {
const { sid, timestamp } = mfaResult.payload[0];
console.log(`Verified at ${new Date(timestamp)}`);
if (sid) console.log('Step-up Session ID:', sid);
// Proceed with protected action
await performSensitiveAction();
} else {
// User cancelled or verification failed
console.log('MFA verification not completed');
}
return mfaResult;
}

async function verificationToken() {
const mfaResult = await transcodes.openAuthIdpModal({
resource: 'admin_settings',
action: 'update',
});
if (mfaResult.success && mfaResult.payload[0]?.success) {
// Get the access token
const token = await transcodes.token.getAccessToken();
// Send to your server with the protected request
const response = await fetch('/api/admin/settings', {
method: 'POST',
headers: {
'Authorization': `Bearer ${token}`,
'Content-Type': 'application/json',
},
body: JSON.stringify({ setting: 'value' }),
});
}
}

// (TypeScript needs the two fields declared; the class is otherwise as published.)
class MfaManager {
declare mfaVerifiedAt: number | null;
declare mfaValidDuration: number;
constructor() {
this.mfaVerifiedAt = null;
this.mfaValidDuration = 15 * 60 * 1000; // 15 minutes
}
async requireMfa() {
// Check if MFA was recently verified
if (this.isMfaValid()) {
return true;
}
// Prompt for MFA
const result = await transcodes.openAuthIdpModal({
resource: 'sensitive_action',
action: 'read',
});
if (result.success && result.payload[0]?.success) {
this.mfaVerifiedAt = Date.now();
return true;
}
return false;
}
isMfaValid() {
if (!this.mfaVerifiedAt) return false;
const elapsed = Date.now() - this.mfaVerifiedAt;
return elapsed < this.mfaValidDuration;
}
clearMfa() {
this.mfaVerifiedAt = null;
}
}

async function historyLog(mfaResult: { success: boolean; payload: [IdpAuthResponse] }) {
// MFA verification success
if (mfaResult.success && mfaResult.payload[0]?.success) {
await transcodes.trackUserAction({
tag: 'admin:access',
severity: 'high',
status: true,
metadata: { action: 'read' },
});
}
// Sensitive action with webhook alert
await transcodes.trackUserAction(
{ tag: 'payment:transfer', severity: 'high', status: true, metadata: { amount: 1000 } },
{ webhookNotification: true }
);
}

async function accountWithoutMfa() {
const mfaResult = await transcodes.openAuthIdpModal({
resource: 'sensitive_action',
action: 'delete',
forceStepUp: true,
});
if (!mfaResult.success || !mfaResult.payload[0]?.success) {
// Redirect to MFA setup in console panel
alert('Please set up MFA first');
await transcodes.openAuthConsoleModal(); // Opens console panel for MFA setup
}
}

// ---- Tests ---------------------------------------------------------------------------------------

describe('compat/transcodes: the seed examples', () => {
  beforeEach(() => {
    getDefaultClient().tokens.clear(); // each test signs in a new user
    Object.assign(app, { printed: [], performed: 0, panelsShown: 0, alerts: [], settingsUpdates: [] });
  });

  it('Basic Handling + History Log: verifies, prints the time and sid, proceeds, and records the audit events', async () => {
    await signInNewUser('transcodes');
    const { secret } = await enrollTotpFactor();
    const code = await totpCode(secret, 1);
    const events = watchEvents();
    let mfaResult: Awaited<ReturnType<typeof basicHandling>>;
    try {
      const running = basicHandling();
      await visiblePrompt();
      await sendKeys({ type: code });
      await sendKeys({ press: 'Enter' });
      mfaResult = await running;
    } finally {
      events.stop();
    }
    expect(mfaResult.success).to.equal(true);
    expect(mfaResult.payload).to.have.length(1);
    const [outcome] = mfaResult.payload;
    expect(outcome).to.include({ success: true, resource: 'sensitive_action', action: 'delete' });
    expect(app.printed).to.deep.equal([`Verified at ${new Date(outcome.timestamp)}`, `Step-up Session ID: ${outcome.sid}`]);
    expect(app.performed).to.equal(1);

    await historyLog(mfaResult);
    const logged = (await audit()).filter((e) => e.type === 'user.action');
    // Newest first.
    expect(logged.map((e) => e.metadata)).to.deep.equal([
      { tag: 'payment:transfer', severity: 'high', data: { amount: 1000 }, webhookNotification: true },
      { tag: 'admin:access', severity: 'high', data: { action: 'read' } },
    ]);

    const token = getAccessToken({ resource: 'sensitive_action', action: 'delete' })!;
    expect(token).to.be.a('string');
    expectNothingSecret(events.seen, code, secret, token);
    expect(JSON.stringify(await audit())).not.to.contain(token);
  });

  it('Basic Handling: Escape takes the "not completed" branch, and nothing is performed', async () => {
    await signInNewUser('transcodes');
    await enrollTotpFactor();
    const running = basicHandling();
    await visiblePrompt();
    await sendKeys({ press: 'Escape' });
    const mfaResult = await running;
    expect(mfaResult).to.deep.include({ success: false, error: 'cancelled' });
    expect(mfaResult.payload[0]).to.include({ success: false, error: 'cancelled' });
    expect(app.printed).to.deep.equal(['MFA verification not completed']);
    expect(app.performed).to.equal(0);
    expect(await transcodes.token.getAccessToken()).to.equal(null);
  });

  it('MFA Verification Token: getAccessToken() gives the new token, which the protected route verifies', async () => {
    await signInNewUser('transcodes');
    const { secret } = await enrollTotpFactor();
    const unmount = mountAdminRoute();
    adminRouteAnswers.length = 0;
    try {
      const running = verificationToken();
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      await running;
    } finally {
      unmount();
    }
    expect(adminRouteAnswers).to.deep.equal([200]);
    expect(app.settingsUpdates).to.deep.equal([{ setting: 'value' }]);
    // No arguments: the most recent step-up's token, i.e. the native one for admin_settings/update.
    expect(await transcodes.token.getAccessToken()).to.equal(getAccessToken({ resource: 'admin_settings', action: 'update' }));
  });

  it('MFA Session Caching: MfaManager prompts once; after its own cache is cleared the server\'s freshness answers silently', async () => {
    await signInNewUser('transcodes');
    const { secret } = await enrollTotpFactor();
    const events = watchEvents();
    try {
      // Usage, as published:
      const mfaManager = new MfaManager();
      async function accessAdminPanel() {
      if (await mfaManager.requireMfa()) {
      // MFA valid - proceed
      showAdminPanel();
      }
      }

      const first = accessAdminPanel();
      await visiblePrompt();
      await sendKeys({ type: await totpCode(secret, 1) });
      await sendKeys({ press: 'Enter' });
      await first;
      expect(app.panelsShown).to.equal(1);

      await accessAdminPanel(); // the manager's own 15-minute cache
      expect(app.panelsShown).to.equal(2);

      mfaManager.clearMfa(); // forgets only the page's cache: the server still says "fresh"
      await accessAdminPanel();
      expect(app.panelsShown).to.equal(3);
      expect(await new MfaManager().requireMfa()).to.equal(true); // e.g. after a reload
    } finally {
      events.stop();
    }
    expect(events.shown()).to.equal(1);
  });

  it('Handle account without MFA: the failure branch alerts, and openAuthConsoleModal sets MFA up', async () => {
    await signInNewUser('transcodes');
    const running = accountWithoutMfa();
    // The console opens, says MFA is off, and offers to add a method.
    const consoleEl = await until(() => document.querySelector('mfa-authenticators')?.shadowRoot?.querySelector<HTMLButtonElement>('[part~="add-button"]') ? document.querySelector('mfa-authenticators')! : null, 5000, 'console modal');
    expect(app.alerts).to.deep.equal(['Please set up MFA first']);
    consoleEl.shadowRoot!.querySelector<HTMLButtonElement>('[part~="add-button"]')!.click();
    // "Add a method" lets the user pick the kind; the user picks the authenticator app.
    const appChoice = await until(() => [...document.querySelector('mfa-enroll')?.shadowRoot?.querySelectorAll<HTMLButtonElement>('[part~="factor-type-button"]') ?? []]
      .find((b) => b.textContent!.trim() === 'Authenticator app'), 5000, 'kinds to choose from');
    appChoice.click();
    const enroll = await until(() => document.querySelector('mfa-enroll')?.shadowRoot?.querySelector('[part~="secret"]') ? document.querySelector('mfa-enroll')! : null, 5000, 'set-up modal');
    const secret = enroll.shadowRoot!.querySelector('[part~="secret"]')!.textContent!.replace(/\s/g, '');
    await until(() => document.activeElement === enroll.querySelector('input'), 5000, 'code input focused');
    await sendKeys({ type: await totpCode(secret, 0) });
    await sendKeys({ press: 'Enter' });
    const done = await until(() => enroll.shadowRoot!.querySelector<HTMLButtonElement>('[part~="done-button"]'), 5000, 'recovery codes');
    done.click();
    // Back in the console, the new factor is listed; closing it ends openAuthConsoleModal().
    await until(() => consoleEl.shadowRoot!.querySelector('[part~="factor"]'), 5000, 'factor listed');
    await sendKeys({ press: 'Escape' });
    await running;
    expect(document.querySelector('mfa-enroll')).to.equal(null);
    expect(document.querySelector('mfa-authenticators')).to.equal(null);
    const { factors } = await getDefaultClient().listFactors();
    expect(factors.map((f) => f.type)).to.deep.equal(['totp']);
  });
});
