// The theming page: signs in a preview user and renders an inline <mfa-enroll> whose custom
// properties, theme and locale follow the controls.
const form = document.getElementById('controls');
const preview = document.getElementById('preview');
const touched = new Set();

function apply() {
  const el = preview.querySelector('mfa-enroll');
  if (!el) return;
  for (const input of form.querySelectorAll('input')) {
    if (!touched.has(input.name)) continue; // untouched colors keep the scheme's own palette
    el.style.setProperty(input.name, input.value + (input.dataset.unit ?? ''));
  }
  const theme = form.elements.theme.value;
  if (theme) el.setAttribute('theme', theme);
  else el.removeAttribute('theme');
  el.locale = form.elements.locale.value;
}

form.addEventListener('input', (event) => {
  touched.add(event.target.name);
  apply();
});
document.getElementById('reset-button').addEventListener('click', () => {
  form.reset();
  touched.clear();
  preview.querySelector('mfa-enroll')?.removeAttribute('style');
  apply();
});

async function start() {
  // Your own session if you have one; a preview user only when signed out (never replacing yours).
  const { username } = await fetch('/demo/me').then((r) => r.json());
  if (!username) {
    await fetch('/demo/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `theme-preview-${Math.random().toString(36).slice(2, 8)}` }),
    });
  }
  document.getElementById('preview-as').textContent = username
    ? `Previewing as ${username}: Confirm would add this app to your account.`
    : 'You are signed out: the preview uses a throw-away preview user.';
  const el = document.createElement('mfa-enroll');
  el.inline = true;
  // The preview's code field focuses itself; on page load that would scroll the page down to it.
  preview.addEventListener('focusin', (event) => {
    event.target.blur?.();
    window.scrollTo(0, 0);
  }, { once: true });
  preview.replaceChildren(el);
  apply();
  el.show();
}

void start();
