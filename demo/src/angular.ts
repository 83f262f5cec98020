/**
 * The Angular 21 demo page (bundled to dist/demo/angular.js by `npm run build`): a standalone
 * component with `CUSTOM_ELEMENTS_SCHEMA`, `[open]` / `[resource]` property bindings and
 * `(resolve)` / `(reject)` / `(mfa-hide)` event bindings, zoneless. The demo compiles the template
 * JIT in the page, which needs eval (the page's CSP allows it, see demo/app.mjs); an app built
 * with the Angular CLI compiles ahead of time and needs no eval.
 */
import '@angular/compiler'; // JIT: before any Angular decorator runs
import { Component, CUSTOM_ELEMENTS_SCHEMA, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import 'mfa-elements/define.js'; // define before Angular renders them
import { clearMfa, getAccessToken, type IdpAuthResponse } from 'mfa-elements';
import { currentUser, focusWhenShown, notVerified, securityLog, signIn, signOut, transfer, TRANSFER_DETAILS } from '../public/demo-session.js';

const SCOPE = { resource: 'payments', action: 'transfer' };

@Component({
  selector: 'demo-app',
  standalone: true,
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <p id="result" role="status" aria-live="polite">{{ result() }}</p>
    @if (user() === null) {
      <section aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <p>Any user name works: this stands in for your app's own sign-in.</p>
        <form (submit)="submit($event, username.value)">
          <label for="username">User name</label>
          <input #username id="username" autocomplete="username" required maxlength="64">
          <button type="submit">Sign in</button>
        </form>
      </section>
    }
    @if (user()) {
      <section aria-labelledby="account-title">
        <h2 id="account-title">Signed in as {{ user() }}</h2>
        <div class="actions">
          <button type="button" (click)="enrolling.set(true)">Set up authenticator app</button>
          <button type="button" (click)="result.set(''); stepUp.set(true)">Transfer $100 to Savings</button>
          <button type="button" (click)="logout()">Sign out</button>
        </div>
        <h3>Security log</h3>
        <ol class="audit">
          @for (line of log(); track $index) { <li>{{ line }}</li> }
        </ol>
      </section>
    }
    <mfa-enroll [open]="enrolling()" (resolve)="enrolled()" (mfa-hide)="enrolling.set(false)"></mfa-enroll>
    <mfa-prompt
      [resource]="scope.resource"
      [action]="scope.action"
      message="Transfer $100 to Savings"
      [details]="details"
      [open]="stepUp()"
      (resolve)="stepUpDone()"
      (reject)="notSent($event)"
      (mfa-hide)="stepUp.set(false)"
    ></mfa-prompt>
  `,
})
class DemoApp {
  readonly scope = SCOPE;
  readonly user = signal<string | null | undefined>(undefined);
  readonly log = signal<string[]>([]);
  readonly result = signal('');
  readonly enrolling = signal(false);
  readonly stepUp = signal(false);
  readonly details = TRANSFER_DETAILS;

  constructor() {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const name = await currentUser();
    this.user.set(name);
    this.log.set(name ? await securityLog() : []);
  }

  async submit(event: Event, username: string): Promise<void> {
    event.preventDefault();
    const error = await signIn(username);
    this.result.set(error ?? '');
    if (!error) {
      await this.refresh();
      focusWhenShown('.actions button');
    }
  }

  enrolled(): void {
    this.result.set('Authenticator app added.');
    void this.refresh();
  }

  // <mfa-prompt>'s `resolve`: the step-up token is in the page's client now; send the transfer.
  async stepUpDone(): Promise<void> {
    this.result.set(await transfer(getAccessToken(SCOPE)));
    await this.refresh();
  }

  notSent(event: Event): void {
    this.result.set(notVerified((event as CustomEvent<IdpAuthResponse>).detail));
  }

  async logout(): Promise<void> {
    await signOut(clearMfa);
    this.result.set('Signed out.');
    await this.refresh();
    focusWhenShown('#username');
  }
}

// The page has <div id="app">; Angular renders into its own host element inside it.
document.getElementById('app')!.replaceChildren(document.createElement('demo-app'));
bootstrapApplication(DemoApp, { providers: [provideZonelessChangeDetection()] }).catch((err) => console.error(err));
