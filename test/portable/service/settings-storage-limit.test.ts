import { MemoryStorage, SettingsStore } from '../../../src/service/settings.js';
import { deepEqual, equal } from '../assert.js';
import { test } from '../harness.js';

/** A store with the device's limit: Moddable Preference on ESP8266 keeps values of at most 63 bytes. */
class LimitedStorage extends MemoryStorage {
  readonly maxValueBytes = 63;
}

test('settings: a value longer in UTF-8 bytes than the storage holds is a field error, and nothing is written', () => {
  const storage = new LimitedStorage();
  const store = new SettingsStore(storage);
  // 32 characters pass the schema (ap.ssid ≤ 32), but "é" takes 2 bytes: 64 > 63.
  const errors = store.update({ 'ap.ssid': 'é'.repeat(32), 'uart.baud': 57600 });
  deepEqual(errors, [
    { field: 'ap.ssid', message: 'takes 64 bytes as UTF-8; this device stores at most 63' },
  ]);
  equal(storage.entries.size, 0, 'the valid field in the same update is not written either');
  equal(store.settings['uart.baud'], 115200);
  equal(store.update({ 'ap.ssid': 'é'.repeat(31), 'uart.baud': 57600 }), undefined);
  equal(storage.entries.get('ap.ssid'), 'é'.repeat(31));
  // Without a limit (a PC's file) the same value is stored.
  const unlimited = new SettingsStore(new MemoryStorage());
  equal(unlimited.update({ 'ap.ssid': 'é'.repeat(32) }), undefined);
});
