/**
 * The settings page: a form built from GET /api/settings (name → value; the value's type picks the input), in the
 * sections of settings-layout.ts. Only changed fields are sent (PUT /api/settings is a partial update). Secrets
 * come back only as `{ set }`: their password field starts empty, and left empty it keeps the stored secret; the
 * "clear" box next to a set one sends "" (for the admin password: no password). A 400 lists errors per field;
 * each is shown under its field. The WiFi section shows only where the runtime has WiFi (status.runtime.wifi).
 */
import { ApiError, requestJson, type SecretState, type SettingValue, type Status } from './api.js';
import { byId, element, showMessage } from './dom.js';
import { choicesFor, LABELS, SECTIONS, WIFI_SECTION } from './settings-layout.js';
import { onStatus } from './status.js';

interface SettingsAnswer {
  settings: Record<string, SettingValue>;
}

type Control = HTMLInputElement | HTMLSelectElement;

interface Field {
  readonly name: string;
  readonly original: SettingValue;
  readonly input: Control;
  /** For a secret that is set: the box that asks to clear it. */
  readonly clear?: HTMLInputElement;
  readonly error: HTMLElement;
}

function isSecret(value: SettingValue): value is SecretState {
  return typeof value === 'object' && value !== null;
}

/** The value to send for a field, or undefined when it is unchanged. */
function changedValue(field: Field): SettingValue | undefined {
  const { input, original } = field;
  if (isSecret(original)) {
    if (field.clear?.checked) return '';
    return input.value === '' ? undefined : input.value;
  }
  if (typeof original === 'boolean') {
    const checked = (input as HTMLInputElement).checked;
    return checked === original ? undefined : checked;
  }
  if (typeof original === 'number') {
    const text = input.value.trim();
    if (text === String(original)) return undefined;
    // Not a number: send the text as it is, so the server names the field and what it wants.
    const number = Number(text);
    return text !== '' && Number.isFinite(number) ? number : input.value;
  }
  return input.value === original ? undefined : input.value;
}

function buildField(
  name: string,
  value: SettingValue,
  platform: 'node' | 'device',
): { row: HTMLElement; field: Field } {
  const row = element('div', 'field');
  const id = `setting-${name.replace(/[^a-z0-9]/gi, '-')}`;
  const [labelText, hint] = LABELS[name] ?? [name];
  const label = element('label', '', labelText);
  label.htmlFor = id;
  const choices = typeof value === 'string' ? choicesFor(name, platform) : undefined;
  let input: Control;
  let clear: HTMLInputElement | undefined;
  if (choices) {
    const select = element('select');
    for (const choice of choices.includes(value as string) ? choices : [...choices, value as string]) {
      select.append(new Option(choice, choice));
    }
    select.value = value as string;
    input = select;
  } else {
    const box = element('input');
    box.autocomplete = 'off';
    if (isSecret(value)) {
      box.type = 'password';
      box.placeholder = value.set ? 'set: leave empty to keep' : 'not set';
      box.autocomplete = 'new-password';
    } else if (typeof value === 'boolean') {
      box.type = 'checkbox';
      box.checked = value;
      row.classList.add('check');
    } else {
      box.type = 'text';
      box.spellcheck = false;
      if (typeof value === 'number') box.inputMode = 'numeric';
      box.value = String(value);
    }
    input = box;
  }
  input.id = id;
  input.name = name;
  const error = element('span', 'field-error');
  error.id = `${id}-error`;
  const described = [error.id];
  row.append(label, input);
  if (hint) {
    const note = element('small', 'hint', hint);
    note.id = `${id}-hint`;
    described.push(note.id);
    row.append(note);
  }
  if (isSecret(value) && value.set) {
    const clearLabel = element('label', 'hint');
    clear = element('input');
    clear.type = 'checkbox';
    clear.name = `${name}.clear`;
    clearLabel.append(clear, ' clear it');
    row.append(clearLabel);
  }
  input.setAttribute('aria-describedby', described.join(' '));
  row.append(error);
  return { row, field: { name, original: value, input, clear, error } };
}

export function startSettings(): void {
  const form = byId<HTMLFormElement>('settings-form');
  const container = byId('settings-fields');
  const message = byId('settings-message');
  let fields: Field[] = [];
  let wifi = false;
  let platform: 'node' | 'device' = 'node';
  let firstStatus: () => void = () => undefined;
  const statusKnown = new Promise<void>((resolve) => {
    firstStatus = resolve;
  });

  const showWifi = () => {
    const section = container.querySelector<HTMLElement>(`[data-section="${WIFI_SECTION}"]`);
    if (section) section.hidden = !wifi;
  };

  const render = (settings: Record<string, SettingValue>) => {
    fields = [];
    container.replaceChildren();
    const placed = new Set<string>();
    const sections = [...SECTIONS, { id: 'other', title: 'Other', names: Object.keys(settings) }];
    for (const section of sections) {
      const names = section.names.filter((name) => name in settings && !placed.has(name));
      if (names.length === 0) continue;
      const fieldset = element('fieldset');
      fieldset.dataset['section'] = section.id;
      fieldset.append(element('legend', '', section.title));
      for (const name of names) {
        placed.add(name);
        const { row, field } = buildField(name, settings[name]!, platform);
        fieldset.append(row);
        fields.push(field);
      }
      container.append(fieldset);
    }
    showWifi();
  };

  onStatus((status: Status) => {
    wifi = status.runtime?.wifi === true;
    platform = status.runtime?.platform ?? 'node';
    showWifi();
    firstStatus();
  });

  const load = async () => {
    try {
      const answer = await requestJson<SettingsAnswer>('GET', '/api/settings');
      // The pin choices and the WiFi section depend on the runtime: wait for the first status.
      await statusKnown;
      render(answer.settings);
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
