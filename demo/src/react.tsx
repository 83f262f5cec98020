/**
 * The React 19 demo page (bundled to dist/demo/react.js by `npm run build`). React 19 passes
 * props to custom elements as properties and listens for `on` + the exact event name, so the
 * elements are used directly: `<mfa-prompt open={…} onresolve={…}>` — no wrapper component.
 */
import { StrictMode, useCallback, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import 'mfa-elements/define.js'; // define before React renders them: props then arrive as properties
import { clearMfa, getAccessToken, type MfaOutcome } from 'mfa-elements';
import type {} from 'mfa-elements/react'; // JSX types of <mfa-prompt>, <mfa-enroll>
import { currentUser, focusWhenShown, notVerified, securityLog, signIn, signOut, transfer, TRANSFER_DETAILS } from '../public/demo-session.js';

const SCOPE = { resource: 'payments', action: 'transfer' } as const;

function App() {
  const [user, setUser] = useState<string | null | undefined>(undefined);
  const [log, setLog] = useState<string[]>([]);
  const [result, setResult] = useState('');
  const [username, setUsername] = useState('');
  const [enrolling, setEnrolling] = useState(false);
  const [stepUp, setStepUp] = useState(false);

  const refresh = useCallback(async () => {
    const name = await currentUser();
    setUser(name);
    setLog(name ? await securityLog() : []);
  }, []);
  useEffect(() => void refresh(), [refresh]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const error = await signIn(username);
    setResult(error ?? '');
    if (!error) {
      await refresh();
      focusWhenShown('.actions button');
    }
  }

  // <mfa-prompt>'s `resolve`: the step-up token is in the page's client now; send the transfer.
  async function stepUpDone() {
    setResult(await transfer(getAccessToken(SCOPE)));
    await refresh();
  }

  return (
    <>
      <p id="result" role="status" aria-live="polite">{result}</p>
      {user === null && (
        <section aria-labelledby="signin-title">
          <h2 id="signin-title">Sign in</h2>
          <p>Any user name works: this stands in for your app's own sign-in.</p>
          <form onSubmit={submit}>
            <label htmlFor="username">User name</label>
            <input id="username" autoComplete="username" required maxLength={64} value={username} onChange={(e) => setUsername(e.target.value)} />
            <button type="submit">Sign in</button>
          </form>
        </section>
      )}
      {user && (
        <section aria-labelledby="account-title">
          <h2 id="account-title">Signed in as {user}</h2>
          <div className="actions">
            <button type="button" onClick={() => setEnrolling(true)}>Set up authenticator app</button>
            <button type="button" onClick={() => { setResult(''); setStepUp(true); }}>Transfer $100 to Savings</button>
            <button type="button" onClick={async () => { await signOut(clearMfa); setResult('Signed out.'); await refresh(); focusWhenShown('#username'); }}>Sign out</button>
          </div>
          <h3>Security log</h3>
          <ol className="audit">{log.map((line, i) => <li key={i}>{line}</li>)}</ol>
        </section>
      )}
      <mfa-enroll
        open={enrolling}
        onresolve={() => { setResult('Authenticator app added.'); void refresh(); }}
        onmfa-hide={() => setEnrolling(false)}
      />
      <mfa-prompt
        resource={SCOPE.resource}
        action={SCOPE.action}
        message="Transfer $100 to Savings"
        details={TRANSFER_DETAILS}
        open={stepUp}
        onresolve={stepUpDone}
        onreject={(e: CustomEvent<MfaOutcome>) => setResult(notVerified(e.detail))}
        onmfa-hide={() => setStepUp(false)}
      />
    </>
  );
}

createRoot(document.getElementById('app')!).render(<StrictMode><App /></StrictMode>);
