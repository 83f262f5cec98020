// The Vue 3 demo page. Vue's runtime-only browser build and render functions (`h`), so the page
// runs under the demo's CSP (`script-src 'self'`, no eval). In an app built with Vite, the same
// code is usually a template — `<mfa-prompt :open="stepUp" @resolve="…">` — compiled at build time,
// with `compilerOptions.isCustomElement = (tag) => tag.startsWith('mfa-')` (docs/frameworks.md).
import { createApp, h, onMounted, ref } from '/vendor/vue.runtime.esm-browser.prod.js';
import { currentUser, focusWhenShown, notVerified, securityLog, signIn, signOut, transfer, TRANSFER_DETAILS } from '/demo-session.js';

// The script-tag bundle defined the elements before this module ran.
const { getAccessToken, clearMfa } = window.MfaElements;
const SCOPE = { resource: 'payments', action: 'transfer' };

const App = {
  setup() {
    const user = ref(undefined); // undefined: not known yet; null: signed out
    const log = ref([]);
    const result = ref('');
    const enrolling = ref(false);
    const stepUp = ref(false);
    const username = ref('');

    async function refresh() {
      user.value = await currentUser();
      log.value = user.value ? await securityLog() : [];
    }
    onMounted(refresh);

    async function submit(event) {
      event.preventDefault();
      const error = await signIn(username.value);
      result.value = error ?? '';
      if (!error) {
        await refresh();
        focusWhenShown('.actions button');
      }
    }

    // <mfa-prompt>'s `resolve`: the step-up token is in the page's client now; send the transfer.
    async function stepUpDone() {
      result.value = await transfer(getAccessToken(SCOPE));
      await refresh();
    }

    return () => [
      h('p', { id: 'result', role: 'status', 'aria-live': 'polite' }, result.value),
      user.value === null &&
        h('section', { 'aria-labelledby': 'signin-title' }, [
          h('h2', { id: 'signin-title' }, 'Sign in'),
          h('p', "Any user name works: this stands in for your app's own sign-in."),
          h('form', { onSubmit: submit }, [
            h('label', { for: 'username' }, 'User name'),
            h('input', { id: 'username', autocomplete: 'username', required: true, maxlength: 64, value: username.value, onInput: (e) => (username.value = e.target.value) }),
            h('button', { type: 'submit' }, 'Sign in'),
          ]),
        ]),
      user.value &&
        h('section', { 'aria-labelledby': 'account-title' }, [
          h('h2', { id: 'account-title' }, ['Signed in as ', user.value]),
          h('div', { class: 'actions' }, [
            h('button', { type: 'button', onClick: () => (enrolling.value = true) }, 'Set up authenticator app'),
            h('button', { type: 'button', onClick: () => ((result.value = ''), (stepUp.value = true)) }, 'Transfer $100 to Savings'),
            h('button', { type: 'button', onClick: async () => { await signOut(clearMfa); result.value = 'Signed out.'; await refresh(); focusWhenShown('#username'); } }, 'Sign out'),
          ]),
          h('h3', 'Security log'),
          h('ol', { class: 'audit' }, log.value.map((line) => h('li', line))),
        ]),
      // Property bindings (`open`, `resource`, `action`) and event bindings (`onResolve` is
      // `@resolve`, `onMfaHide` is `@mfa-hide`) on the custom elements themselves.
      h('mfa-enroll', {
        open: enrolling.value,
        onResolve: () => { result.value = 'Authenticator app added.'; void refresh(); },
        onMfaHide: () => (enrolling.value = false),
      }),
      h('mfa-prompt', {
        ...SCOPE,
        message: 'Transfer $100 to Savings',
        details: TRANSFER_DETAILS, // a property (Vue sets it as one: the element has it)
        open: stepUp.value,
        onResolve: stepUpDone,
        onReject: (e) => (result.value = notVerified(e.detail)),
        onMfaHide: () => (stepUp.value = false),
      }),
    ];
  },
};

createApp(App).mount('#app');
