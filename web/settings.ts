/**
 * The settings card: a form generated from GET /api/settings (name → value; the value's type picks the input),
 * grouped by the name's prefix (`uart.baud` → "uart"). Only changed fields are sent (PUT /api/settings is a
 * partial update). Secrets come back only as `{ set }`: their password field starts empty, and left empty it
 * keeps the stored secret. A 400 lists errors per field; each is shown under its field.
 */
import { ApiError, requestJson, type SecretState, type SettingValue } from './api.js';
import { byId, element, showMessage } from './dom.js';

interface SettingsAnswer {
  settings: Record<string, SettingValue>;
}

interface Field {
  readonly name: string;
  readonly original: SettingValue;
  readonly input: HTMLInputElement;
  readonly error: HTMLElement;
}

function isSecret(value: SettingValue): value is SecretState {
  return typeof value === 'object' && value !== null;
}

/** The value to send for a field, or undefined when it is unchanged. */
function changedValue(field: Field): SettingValue | undefined {
  const { input, original } = field;
  if (isSecret(original)) return input.value === '' ? undefined : input.value;
  if (typeof original === 'boolean') return input.checked === original ? undefined : input.checked;
  if (typeof original === 'number') {
    if (input.value.trim() === String(original)) return undefined;
    // Not a number: send the text as it is, so the server names the field and what it wants.
    const number = Number(input.value.trim());
    return input.value.trim() !== '' && Number.isFinite(number) ? number : input.value;
  }
  return input.value === original ? undefined : input.value;
}

function buildField(name: string, value: SettingValue): { row: HTMLElement; field: Field } {
  const row = element('div', 'field');
  const label = element('label');
  const id = `setting-${name.replace(/[^a-z0-9]/gi, '-')}`;
  label.htmlFor = id;
  label.textContent = name.slice(name.indexOf('.') + 1);
  const input = element('input');
  input.id = id;
  input.name = name;
  input.autocomplete = 'off';
  if (isSecret(value)) {
    input.type = 'password';
    input.placeholder = value.set ? 'unchanged' : 'not set';
    input.autocomplete = 'new-password';
  } else if (typeof value === 'boolean') {
    input.type = 'checkbox';
    input.checked = value;
    row.classList.add('check');
  } else {
    input.type = 'text';
    input.spellcheck = false;
    if (typeof value === 'number') input.inputMode = 'numeric';
    input.value = String(value);
  }
  const error = element('span', 'field-error');
  error.id = `${id}-error`;
  input.setAttribute('aria-describedby', error.id);
  row.append(label, input);
  if (isSecret(value))
    row.append(element('span', `secret ${value.set ? 'ok' : ''}`, value.set ? 'set' : 'not set'));
  row.append(error);
  return { row, field: { name, original: value, input, error } };
}

export function startSettings(): void {
  const form = byId<HTMLFormElement>('settings-form');
  const container = byId('settings-fields');
  const message = byId('settings-message');
  let fields: Field[] = [];

  const render = (settings: Record<string, SettingValue>) => {
    fields = [];
    const groups = new Map<string, HTMLFieldSetElement>();
    container.replaceChildren();
    for (const [name, value] of Object.entries(settings)) {
      const group = name.includes('.') ? name.slice(0, name.indexOf('.')) : 'general';
      let fieldset = groups.get(group);
      if (!fieldset) {
        fieldset = element('fieldset');
        fieldset.append(element('legend', '', group));
        groups.set(group, fieldset);
        container.append(fieldset);
      }
      const { row, field } = buildField(name, value);
      fieldset.append(row);
      fields.push(field);
    }
  };

  const load = async () => {
    try {
      render((await requestJson<SettingsAnswer>('GET', '/api/settings')).settings);
    } catch (error) {
      showMessage(message, `could not load the settings: ${(error as Error).message}`, 'error');
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const update: Record<string, SettingValue> = {};
    for (const field of fields) {
      field.error.textContent = '';
      field.input.removeAttribute('aria-invalid');
      const value = changedValue(field);
      if (value !== undefined) update[field.name] = value;
    }
    if (Object.keys(update).length === 0) {
      showMessage(message, 'nothing changed');
      return;
    }
    try {
      const answer = await requestJson<SettingsAnswer>('PUT', '/api/settings', update);
      render(answer.settings);
      showMessage(message, `saved: ${Object.keys(update).join(', ')}`, 'ok');
    } catch (error) {
      if (!(error instanceof ApiError)) {
        showMessage(message, `could not save: ${(error as Error).message}`, 'error');
        return;
      }
      const errors = Array.isArray(error.body['errors'])
        ? (error.body['errors'] as { field: string; message: string }[])
        : [];
      const unplaced: string[] = [];
      for (const fieldError of errors) {
        const field = fields.find((candidate) => candidate.name === fieldError.field);
        if (field) {
          field.error.textContent = fieldError.message;
          field.input.setAttribute('aria-invalid', 'true');
        } else {
          unplaced.push(fieldError.field ? `${fieldError.field}: ${fieldError.message}` : fieldError.message);
        }
      }
      const summary =
        errors.length === 1
          ? 'not saved: 1 field needs a fix'
          : errors.length > 1
            ? `not saved: ${errors.length} fields need a fix`
            : error.message;
      showMessage(message, [summary, ...unplaced].join('; '), 'error');
      fields.find((field) => field.input.hasAttribute('aria-invalid'))?.input.focus();
    }
  });
  void load();
}
