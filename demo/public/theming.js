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
document.getElementById('reset').addEventListener('click', () => {
  form.reset();
  touched.clear();
  preview.querySelector('mfa-enroll')?.removeAttribute('style');
  apply();
});

async function start() {
  await fetch('/demo/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: `theme-preview-${Math.random().toString(36).slice(2, 8)}` }),
  });
  const el = document.createElement('mfa-enroll');
  el.inline = true;
  preview.replaceChildren(el);
  apply();
  el.show();
}

void start();
