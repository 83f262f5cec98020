// A React 19 app: the elements in JSX, typed by `mfa-elements/react`.
import { useRef, useState } from 'react';
import 'mfa-elements/define.js';
import type { MfaOutcome, MfaPrompt } from 'mfa-elements';
import type {} from 'mfa-elements/react';

export function Transfer() {
  const ref = useRef<MfaPrompt>(null);
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<MfaOutcome>();
  return (
    <>
      <mfa-prompt
        ref={ref}
        id="step-up"
        className="prompt"
        resource="payments"
        action="transfer"
        message="Transfer $100"
        open={open}
        force
        api-base="/mfa"
        max-age={300}
        onresolve={(e) => setOutcome(e.detail)}
        onreject={(e) => setOutcome(e.detail)}
        onmfa-error={(e) => console.log(e.detail.code, e.detail.attemptsLeft)}
        onmfa-hide={() => setOpen(false)}
      />
      <mfa-enroll type="totp" label="Phone" onresolve={(e) => e.detail.success} />
      <mfa-provider api-base="/mfa" locale="de">
        <mfa-authenticators />
      </mfa-provider>
      <button onClick={() => ref.current?.show()}>{outcome?.sid ?? 'Transfer'}</button>

      {/* @ts-expect-error open is a boolean */}
      <mfa-prompt open="yes" />
      {/* @ts-expect-error the handler gets CustomEvent<MfaOutcome>, not a MouseEvent */}
      <mfa-prompt onresolve={(e: MouseEvent) => e.clientX} />
      {/* @ts-expect-error no such property */}
      <mfa-prompt resorce="payments" />
      {/* @ts-expect-error enroll has no `resource` */}
      <mfa-enroll resource="payments" />
    </>
  );
}
