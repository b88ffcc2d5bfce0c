// Sign-in, sign-up, forgotten and new password: each form posts its fields as JSON to its data-route. A
// session token is kept like an API key (the dashboard exchanges it for short tokens at /v1/session).

const token = new URLSearchParams(location.search).get('token');

for (const form of document.querySelectorAll('form[data-route]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = form.querySelector('.account-error');
    message.textContent = '';
    const fields = Object.fromEntries(
      [...new FormData(form)].filter(([, value]) => typeof value === 'string' && value !== ''),
    );
    if (form.id === 'reset') fields.token = token ?? '';
    const response = await fetch(form.dataset.route, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    const body = response.status === 204 ? null : await response.json();
    if (!response.ok) {
      message.textContent = body?.error?.message ?? `HTTP ${response.status}`;
      return;
    }
    if (form.id === 'forgot') {
      message.textContent = 'If that e-mail has an account, a reset link is on its way.';
    } else if (form.id === 'reset') {
      location.assign('/signin.html');
    } else {
      localStorage.setItem('nexural.key', body.token);
      location.assign('/');
    }
  });
}
