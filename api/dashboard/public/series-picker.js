// The rule form's series pickers: wherever a rule takes a series (its source) or a threshold (value, lower,
// upper), the form offers price, a bar field or any output of any registry indicator — thresholds a number too.

const BAR_FIELDS = ['open', 'high', 'low', 'close', 'volume'];
let catalog = [];

const element = (tag, attributes = {}, children = []) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
};
const option = (value, text = value) => new Option(text, value);

/** Fills every `fieldset.series[data-series=NAME]` of the form with its controls (named NAME, NAMEKind, …). */
export function buildSeriesPickers(form) {
  for (const fieldset of form.querySelectorAll('fieldset.series')) {
    const name = fieldset.dataset.series;
    const withNumber = fieldset.hasAttribute('data-number');
    // the source keeps its old name `source` (price | bar | indicator); thresholds pick their kind in NAMEKind
    const kind = element(
      'select',
      { name: withNumber ? `${name}Kind` : name, 'aria-label': `${name} kind` },
      [
        ...(withNumber ? [option('number')] : []),
        option('price'),
        option('bar', 'bar field'),
        option('indicator'),
      ],
    );
    const number = element('input', { name, type: 'number', step: 'any', 'aria-label': `${name} number` });
    const field = element(
      'select',
      { name: `${name}Field`, 'aria-label': `${name} bar field` },
      BAR_FIELDS.map((value) => option(value)),
    );
    field.value = 'close';
    const spec = element('input', {
      name: `${name}Spec`,
      list: 'indicator-specs',
      placeholder: 'sma(50)',
      'aria-label': `${name} indicator`,
    });
    const output = element('select', { name: `${name}Output`, 'aria-label': `${name} output` }, [
      option('value'),
    ]);
    spec.addEventListener('input', () => fillOutputs(spec.value, output));
    kind.addEventListener('change', () => showKind(fieldset));
    fieldset.append(kind, ...(withNumber ? [number] : []), field, spec, output);
    showKind(fieldset);
  }
}

/** Shows the controls of the chosen kind only. */
export function showKind(fieldset) {
  const name = fieldset.dataset.series;
  const withNumber = fieldset.hasAttribute('data-number');
  const kind = fieldset.querySelector(`[name="${withNumber ? `${name}Kind` : name}"]`).value;
  const show = (suffix, visible) => {
    const control = fieldset.querySelector(`[name="${name}${suffix}"]`);
    if (control) control.hidden = !visible;
  };
  if (withNumber) show('', kind === 'number');
  show('Field', kind === 'bar');
  show('Spec', kind === 'indicator');
  show('Output', kind === 'indicator');
}

/** The registry (GET /v1/indicators): the spec suggestions and the outputs of each. */
export function fillCatalog(items) {
  catalog = items;
  document
    .querySelector('#indicator-specs')
    .replaceChildren(...items.map((entry) => new Option(`${entry.summary}`, entry.defaultSpec)));
  for (const spec of document.querySelectorAll('fieldset.series input[list="indicator-specs"]')) {
    fillOutputs(spec.value, spec.parentElement.querySelector('select[name$="Output"]'));
  }
}

function fillOutputs(specText, select) {
  const name = specText.split('(')[0].trim().toLowerCase();
  const outputs = catalog.find((entry) => entry.name === name)?.outputs ?? ['value'];
  const chosen = select.value;
  select.replaceChildren(...outputs.map((value) => option(value)));
  if (outputs.includes(chosen)) select.value = chosen;
}

/** The series (or number) the form names under `name`, as a rule writes it. */
export function seriesOf(form, name) {
  const kind = form.get(`${name}Kind`) ?? form.get(name);
  if (kind === 'number') return Number(form.get(name));
  if (kind === 'price') return { kind: 'price' };
  if (kind === 'bar') return { kind: 'bar', field: form.get(`${name}Field`) || 'close' };
  return {
    kind: 'indicator',
    spec: form.get(`${name}Spec`) || 'rsi(14)',
    output: form.get(`${name}Output`) || 'value',
  };
}

/** `sma(50) value`, `bar close`, `price` or the number. */
export function seriesLabel(series) {
  if (typeof series === 'number') return String(series);
  if (series.kind === 'price') return 'price';
  if (series.kind === 'bar') return `bar ${series.field}`;
  return series.output === 'value' ? series.spec : `${series.spec} ${series.output}`;
}
