// Plan and billing: the caller's plan and entitlements, the plans for sale (Stripe Checkout by lookup key)
// and the Stripe Customer Portal. Stripe's pages come back here with ?checkout=success|cancelled.
import { $, el, signedInClient } from './research.js';

const status = $('#status');
const client = signedInClient(status);

const delay = (ms) => (ms === 0 ? 'real time' : `delayed ${Math.round(ms / 60_000)} min`);
const yesNo = (value) => (value ? 'yes' : 'no');

function showError(error) {
  $('#error').textContent = `${error.code ?? 'NXR_INTERNAL'}: ${error.message}`;
}

async function redirectTo(path, body) {
  try {
    const session = await client.request('POST', path, body);
    location.assign(session.url);
  } catch (error) {
    showError(error);
  }
}

function planRow(plan, currentPlanId) {
  const { entitlements } = plan;
  const action = el('td');
  const [lookupKey] = plan.stripeLookupKeys;
  if (plan.id === currentPlanId) action.append('your plan');
  else if (lookupKey !== undefined) {
    const buy = el('button', { type: 'button' }, `Subscribe to ${plan.name}`);
    buy.addEventListener('click', () => redirectTo('/v1/billing/checkout', { lookupKey }));
    action.append(buy);
  }
  return el(
    'tr',
    {},
    el('td', {}, plan.name),
    el('td', {}, delay(entitlements.dataDelayMs)),
    el('td', {}, entitlements.maxAlertRules),
    el('td', {}, entitlements.askPerDay),
    el('td', {}, yesNo(entitlements.strategies)),
    el('td', {}, yesNo(entitlements.premiumNewsletter)),
    action,
  );
}

async function load() {
  const outcome = new URLSearchParams(location.search).get('checkout');
  if (outcome === 'success')
    $('#checkout-result').textContent =
      'Thank you — your plan changes as soon as Stripe confirms the payment.';
  if (outcome === 'cancelled') $('#checkout-result').textContent = 'Checkout cancelled; nothing was charged.';
  const [mine, plans] = await Promise.all([
    client.get('/v1/billing/entitlements'),
    client.get('/v1/billing/plans'),
  ]);
  const planName = plans.items.find((plan) => plan.id === mine.plan)?.name ?? mine.plan;
  const why = { subscription: 'your subscription', grant: 'a grant', fallback: 'no subscription' }[
    mine.source
  ];
  $('#current').replaceChildren(
    el('dt', {}, 'Plan'),
    el('dd', {}, `${planName} (${why})`),
    el('dt', {}, 'Data'),
    el('dd', {}, delay(mine.dataDelayMs)),
    el('dt', {}, 'Alert rules'),
    el('dd', {}, mine.maxAlertRules),
    el('dt', {}, '/ask a day'),
    el('dd', {}, mine.askPerDay),
  );
  $('#plans').replaceChildren(...plans.items.map((plan) => planRow(plan, mine.plan)));
  const portal = $('#portal');
  portal.hidden = mine.source !== 'subscription';
  portal.addEventListener('click', () => redirectTo('/v1/billing/portal'));
  status.textContent = 'signed in';
}

if (client)
  load().catch((error) => {
    status.textContent = 'could not load';
    showError(error);
  });
