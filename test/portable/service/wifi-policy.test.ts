import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { deviceHostName, macSuffix } from '../../../src/service/device-name.js';
import {
  DEFAULT_AP_ADDRESS,
  WifiPolicy,
  type WifiRadio,
  type WifiState,
} from '../../../src/service/wifi-policy.js';
import { deepEqual, equal } from '../assert.js';
import { test } from '../harness.js';

/** A radio that records what it is asked to do; the test plays the network's part with policy.radioEvent(). */
class FakeRadio implements WifiRadio {
  calls: string[] = [];
  stationAddress: string | undefined;
  join(ssid: string, password: string): void {
    this.calls.push(`join ${ssid} ${password}`);
  }
  leave(): void {
    this.calls.push('leave');
  }
  startAccessPoint(ssid: string, password: string, keepStation: boolean): void {
    this.calls.push(`ap ${ssid} ${password}${keepStation ? ' +station' : ''}`);
  }
  stopAccessPoint(): void {
    this.calls.push('ap off');
  }
  address(which: 'station' | 'ap'): string | undefined {
    return which === 'station' ? this.stationAddress : undefined;
  }
}

const AP = { apSsid: 'LESTO', apPassword: 'lestofante' };

function rig(options: { joinTimeoutMs?: number; retryMs?: number } = {}) {
  const clock = new VirtualClock();
  const radio = new FakeRadio();
  const changes: Array<[WifiState, string | undefined]> = [];
  const policy = new WifiPolicy({
    radio,
    timer: clock,
    joinTimeoutMs: options.joinTimeoutMs ?? 20000,
    retryMs: options.retryMs ?? 300000,
    onChange: (state, address) => changes.push([state, address]),
  });
  return { clock, radio, policy, changes };
}

test('wifi: first boot (no network saved) runs the access point LESTO at 192.168.4.1, station off', () => {
  const { radio, policy, changes } = rig();
  policy.start({ ssid: '', password: '', ...AP });
  deepEqual(radio.calls, ['leave', 'ap LESTO lestofante']);
  equal(policy.state, 'access-point');
  equal(policy.accessPointRunning, true);
  equal(policy.address, DEFAULT_AP_ADDRESS);
  deepEqual(changes, [['access-point', '192.168.4.1']]);
});

test('wifi: saved credentials join the network; the address comes with gotIP', async () => {
  const { clock, radio, policy, changes } = rig();
  policy.start({ ssid: 'home', password: 'secret99', ...AP });
  deepEqual(radio.calls, ['join home secret99']);
  equal(policy.state, 'joining');
  await clock.advance(5000);
  radio.stationAddress = '10.0.0.42';
  policy.radioEvent('connected');
  policy.radioEvent('gotIP');
  equal(policy.state, 'station');
  equal(policy.address, '10.0.0.42');
  await clock.advance(60000);
  equal(policy.state, 'station', 'the join timeout was cancelled');
  deepEqual(changes, [
    ['joining', undefined],
    ['station', '10.0.0.42'],
  ]);
});

test('wifi: a network that cannot be joined falls back to the access point, retries, and leaves it once joined', async () => {
  const { clock, radio, policy } = rig({ joinTimeoutMs: 20000, retryMs: 60000 });
  policy.start({ ssid: 'away', password: 'nope12345', ...AP });
  await clock.advance(19999);
  equal(policy.state, 'joining');
  await clock.advance(1);
  equal(policy.state, 'access-point');
  deepEqual(radio.calls, ['join away nope12345', 'ap LESTO lestofante +station']);
  // The retry keeps the access point up; failing again changes nothing visible.
  await clock.advance(60000);
  deepEqual(radio.calls.slice(2), ['join away nope12345']);
  equal(policy.state, 'access-point');
  await clock.advance(20000);
  equal(policy.state, 'access-point');
  await clock.advance(60000);
  radio.stationAddress = '10.0.0.7';
  policy.radioEvent('gotIP');
  equal(policy.state, 'station');
  equal(policy.accessPointRunning, false);
  deepEqual(radio.calls.slice(-2), ['join away nope12345', 'ap off']);
});

test('wifi: a lost network gets the join timeout to come back before the access point starts', async () => {
  const { clock, radio, policy } = rig({ joinTimeoutMs: 10000, retryMs: 0 });
  policy.start({ ssid: 'home', password: 'secret99', ...AP });
  policy.radioEvent('gotIP');
  policy.radioEvent('disconnected');
  equal(policy.state, 'joining');
  await clock.advance(9000);
  policy.radioEvent('gotIP');
  equal(policy.state, 'station', 'it came back in time');
  policy.radioEvent('lostIP');
  await clock.advance(10000);
  equal(policy.state, 'access-point');
  // retryMs 0: station mode off, no retry timer left.
  deepEqual(radio.calls.slice(-2), ['leave', 'ap LESTO lestofante']);
  equal(clock.pending, 0);
});

test('device name: airboot-XXXX from the MAC while device.name is the default, the chosen name otherwise', () => {
  equal(macSuffix('5C:CF:7F:12:AB:CD'), 'abcd');
  equal(macSuffix('5c-cf-7f-12-ab-0d'), 'ab0d');
  equal(macSuffix('5ccf7f12ab'), undefined);
  equal(deviceHostName('airboot', '5c:cf:7f:12:ab:cd'), 'airboot-abcd');
  equal(deviceHostName('bench-left', '5c:cf:7f:12:ab:cd'), 'bench-left');
  equal(deviceHostName('airboot', undefined), 'airboot');
});
