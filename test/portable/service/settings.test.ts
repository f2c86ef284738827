import {
  applyUpdate,
  defaultSettings,
  MemoryStorage,
  parseSettingText,
  publicSettings,
  SettingsStore,
} from '../../../src/service/settings.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';

test('settings: defaults keep the seed sketch ports and access point', () => {
  const settings = defaultSettings();
  equal(settings['bridge.port'], 1234);
  equal(settings['control.port'], 1235);
  equal(settings['ap.ssid'], 'LESTO');
  equal(settings['ap.password'], 'lestofante');
  equal(settings['uart.format'], '8N1');
});

test('settings: every bad field is reported at once, and nothing changes', () => {
  const result = applyUpdate(defaultSettings(), {
    'uart.baud': 12,
    'uart.format': '9X1',
    'bridge.port': 'x',
    'no.such': 1,
    'ap.password': 'short',
  });
  ok(result.errors);
  deepEqual(
    result.errors.map((e) => e.field),
    ['uart.baud', 'uart.format', 'bridge.port', 'no.such', 'ap.password'],
  );
  equal(result.errors[2]!.message, 'must be a number, got string');
  deepEqual(applyUpdate(defaultSettings(), [1]).errors?.[0]?.field, '');
});

test('settings: secrets are never shown, and a missing secret keeps its value', () => {
  const shown = publicSettings(defaultSettings());
  deepEqual(shown['ap.password'], { set: true });
  deepEqual(shown['wifi.password'], { set: false });
  const result = applyUpdate(defaultSettings(), { 'ap.password': null, 'uart.baud': 9600 });
  equal(result.settings?.['ap.password'], 'lestofante');
  equal(result.settings?.['uart.baud'], 9600);
});

test('settings: the store keeps one short key per changed field and reads them back', () => {
  const storage = new MemoryStorage();
  const store = new SettingsStore(storage);
  equal(store.update({ 'uart.baud': 921600, 'bridge.notices': false, 'device.name': 'car' }), undefined);
  deepEqual([...storage.entries.entries()].sort(), [
    ['bridge.notices', 'false'],
    ['device.name', 'car'],
    ['uart.baud', '921600'],
  ]);
  for (const [key, value] of storage.entries) ok(key.length <= 32 && value.length <= 63, key);
  const again = new SettingsStore(storage);
  equal(again.settings['uart.baud'], 921600);
  equal(again.settings['bridge.notices'], false);
  // Back to the default: the key goes away.
  store.update({ 'uart.baud': 115200 });
  equal(storage.read('uart.baud'), undefined);
});

test('settings: a damaged stored value falls back to the default', () => {
  const storage = new MemoryStorage();
  storage.write('uart.baud', 'fast');
  storage.write('bridge.port', '99999');
  const store = new SettingsStore(storage);
  equal(store.settings['uart.baud'], 115200);
  equal(store.settings['bridge.port'], 1234);
});

test('settings: text from a command line becomes the field type', () => {
  equal(parseSettingText('uart.baud', '9600'), 9600);
  ok(Number.isNaN(parseSettingText('uart.baud', '96k') as number));
  equal(parseSettingText('bridge.notices', 'off'), false);
  equal(parseSettingText('uart.format', '8E1'), '8E1');
  equal(parseSettingText('nope', '1'), undefined);
});
