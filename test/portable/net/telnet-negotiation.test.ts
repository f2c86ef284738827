import type { TelnetError } from '../../../src/net/telnet/errors.js';
import {
  type NegotiationPolicy,
  OptionNegotiator,
  type OptionSide,
  REFUSE_ALL_POLICY,
  RFC2217_SERVER_POLICY,
  RFC2217_SERVER_REQUESTS,
} from '../../../src/net/telnet/option-negotiation.js';
import { TelnetDecoder } from '../../../src/net/telnet/telnet-codec.js';
import { TelnetCommand, TelnetOption } from '../../../src/net/telnet/telnet-constants.js';
import { bytesEqual, deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { concat } from './http-test-support.js';

const { IAC, WILL, WONT, DO, DONT } = TelnetCommand;
const { BINARY, ECHO, SGA, COM_PORT_OPTION: COM } = TelnetOption;
const NAWS = 31;

function negotiator(policy: NegotiationPolicy = RFC2217_SERVER_POLICY) {
  const changes: string[] = [];
  const errors: TelnetError[] = [];
  const n = new OptionNegotiator({
    policy,
    onChange: (option, side, enabled) => changes.push(`${side} ${option} ${enabled ? 'on' : 'off'}`),
    onError: (error) => errors.push(error),
  });
  return { n, changes, errors };
}

const say = (verb: number, option: number) => Uint8Array.of(IAC, verb, option);

/** Split a byte string of negotiations into [verb, option] pairs (the test peers only send those). */
function commands(bytes: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  new TelnetDecoder({
    onData: () => {
      throw new Error('negotiation produced data bytes');
    },
    onCommand: (verb, option) => out.push([verb, option!]),
    onError: (error) => {
      throw error;
    },
  }).push(bytes);
  return out;
}

/**
 * Run two ends against each other until neither has anything to say; returns how many messages went each way.
 * `limit` catches a loop.
 */
function converse(a: OptionNegotiator, b: OptionNegotiator, first: Uint8Array, limit = 100) {
  let toB = commands(first);
  let toA: Array<[number, number]> = [];
  let sent = toB.length;
  while (toA.length + toB.length > 0) {
    ok(sent < limit, `negotiation did not settle after ${sent} messages`);
    const nextToA: Array<[number, number]> = [];
    const nextToB: Array<[number, number]> = [];
    for (const [verb, option] of toB) {
      const answer = b.receive(verb, option);
      if (answer) nextToA.push(...commands(answer));
    }
    for (const [verb, option] of toA) {
      const answer = a.receive(verb, option);
      if (answer) nextToB.push(...commands(answer));
    }
    toA = nextToA;
    toB = nextToB;
    sent += toA.length + toB.length;
  }
  return sent;
}

test('Negotiation: the RFC 2217 server asks for BINARY both ways and leaves COM-PORT-OPTION to the client', () => {
  const { n } = negotiator();
  bytesEqual(n.requestAll(RFC2217_SERVER_REQUESTS), concat(say(WILL, BINARY), say(DO, BINARY)));
  // Asking again sends nothing: the requests are outstanding.
  equal(n.requestAll(RFC2217_SERVER_REQUESTS).length, 0);
});

test('Negotiation: answers to our requests enable the options and are never answered', () => {
  const { n, changes } = negotiator();
  n.requestAll(RFC2217_SERVER_REQUESTS);
  bytesEqual(n.request(SGA, 'local', true)!, say(WILL, SGA));
  equal(n.receive(DO, BINARY), undefined);
  equal(n.receive(WILL, BINARY), undefined);
  equal(n.receive(DO, SGA), undefined);
  ok(n.isEnabled(BINARY, 'local') && n.isEnabled(BINARY, 'remote') && n.isEnabled(SGA, 'local'));
  ok(!n.isEnabled(COM, 'local') && !n.isEnabled(SGA, 'remote'));
  deepEqual(changes, ['local 0 on', 'remote 0 on', 'local 3 on']);
  // The same answers again (a confused client) change nothing and get no reply.
  equal(n.receive(DO, BINARY), undefined);
  equal(n.receive(WILL, BINARY), undefined);
  equal(changes.length, 3);
});

test('Negotiation: a client offering COM-PORT-OPTION gets DO (RFC 2217 §1); asking us gets WILL', () => {
  const { n, changes } = negotiator();
  bytesEqual(n.receive(WILL, COM)!, say(DO, COM));
  equal(n.receive(WILL, COM), undefined, 'a repeated WILL is not answered');
  bytesEqual(n.receive(DO, COM)!, say(WILL, COM));
  bytesEqual(n.receive(WILL, BINARY)!, say(DO, BINARY));
  bytesEqual(n.receive(DO, BINARY)!, say(WILL, BINARY));
  deepEqual(changes, ['remote 44 on', 'local 44 on', 'remote 0 on', 'local 0 on']);
});

test('Negotiation: everything else is refused, and refusals are not answered', () => {
  const { n, changes } = negotiator();
  bytesEqual(n.receive(DO, ECHO)!, say(WONT, ECHO));
  bytesEqual(n.receive(WILL, NAWS)!, say(DONT, NAWS));
  bytesEqual(n.receive(WILL, 255)!, say(DONT, 255));
  equal(n.receive(WONT, ECHO), undefined);
  equal(n.receive(DONT, NAWS), undefined);
  equal(n.receive(DONT, ECHO), undefined);
  // Asking again is a new request and gets the same refusal; the option never turns on.
  bytesEqual(n.receive(DO, ECHO)!, say(WONT, ECHO));
  ok(!n.isEnabled(ECHO, 'local'));
  deepEqual(changes, []);
  // Commands that are no negotiation are not its business.
  equal(n.receive(TelnetCommand.NOP, undefined), undefined);
});

test('Negotiation: the refuse-all policy refuses BINARY too', () => {
  const { n } = negotiator(REFUSE_ALL_POLICY);
  bytesEqual(n.receive(WILL, BINARY)!, say(DONT, BINARY));
  bytesEqual(n.receive(DO, SGA)!, say(WONT, SGA));
});

test('Negotiation: requests that cross on the wire settle without a loop', () => {
  const server = negotiator().n;
  const client = negotiator().n;
  // Both ends ask for the same things at the same moment: each the mirror of the other.
  const asked = [...RFC2217_SERVER_REQUESTS, { option: COM, side: 'remote' as const }];
  const fromServer = server.requestAll(asked);
  const fromClient = client.requestAll(
    asked.map(({ option, side }) => ({ option, side: side === 'local' ? 'remote' : 'local' })),
  );
  equal(fromClient.length, 9);
  for (const [verb, option] of commands(fromClient)) equal(server.receive(verb, option), undefined);
  for (const [verb, option] of commands(fromServer)) equal(client.receive(verb, option), undefined);
  ok(server.isEnabled(BINARY, 'local') && server.isEnabled(BINARY, 'remote'));
  ok(client.isEnabled(BINARY, 'local') && client.isEnabled(BINARY, 'remote'));
  ok(server.isEnabled(COM, 'remote') && client.isEnabled(COM, 'local'));
});

/**
 * A model of how pyserial 3.5's RFC 2217 client handles one option side (its TelnetOption states), including its
 * quirk: an option it is about to request counts as agreed if the peer's request for it arrives first — and then
 * it never sends its own request.
 */
class PyserialOption {
  constructor(
    readonly option: number,
    readonly sendYes: number,
    readonly sendNo: number,
    readonly ackYes: number,
    readonly ackNo: number,
    public state: 'REQUESTED' | 'ACTIVE' | 'INACTIVE' | 'REALLY_INACTIVE',
  ) {}
  incoming(verb: number): Uint8Array | undefined {
    if (verb === this.ackYes) {
      if (this.state === 'INACTIVE') {
        this.state = 'ACTIVE';
        return say(this.sendYes, this.option);
      }
      if (this.state === 'REALLY_INACTIVE') return say(this.sendNo, this.option);
      this.state = 'ACTIVE';
    } else if (verb === this.ackNo) {
      const was = this.state;
      if (was === 'REQUESTED' || was === 'ACTIVE') this.state = 'INACTIVE';
      if (was === 'ACTIVE') return say(this.sendNo, this.option);
    }
    return undefined;
  }
}

function pyserialClient() {
  const options = [
    new PyserialOption(ECHO, DO, DONT, WILL, WONT, 'REQUESTED'),
    new PyserialOption(SGA, WILL, WONT, DO, DONT, 'REQUESTED'),
    new PyserialOption(SGA, DO, DONT, WILL, WONT, 'REQUESTED'),
    new PyserialOption(BINARY, DO, DONT, WILL, WONT, 'INACTIVE'),
    new PyserialOption(COM, DO, DONT, WILL, WONT, 'REQUESTED'),
    new PyserialOption(BINARY, WILL, WONT, DO, DONT, 'INACTIVE'),
    new PyserialOption(COM, WILL, WONT, DO, DONT, 'REQUESTED'),
  ];
  return {
    options,
    /** The initial requests: every option still REQUESTED when its main thread gets to send them. */
    opening: () =>
      concat(...options.filter((o) => o.state === 'REQUESTED').map((o) => say(o.sendYes, o.option))),
    receive(bytes: Uint8Array): Uint8Array {
      const out: Uint8Array[] = [];
      for (const [verb, option] of commands(bytes)) {
        for (const o of options) {
          if (o.option !== option) continue;
          const reply = o.incoming(verb);
          if (reply) out.push(reply);
        }
      }
      return concat(...out);
    },
  };
}

for (const order of ['client first', 'server first (the race)'] as const) {
  test(`Negotiation: pyserial's client and the RFC 2217 server agree on BINARY and COM-PORT-OPTION, ${order}`, () => {
    const { n: server } = negotiator();
    const client = pyserialClient();
    const opening = server.requestAll(RFC2217_SERVER_REQUESTS);
    let toServer: Uint8Array;
    if (order === 'client first') {
      toServer = concat(client.opening(), client.receive(opening));
    } else {
      // The client's reader thread handles our requests before its main thread sends its own.
      const answers = client.receive(opening);
      toServer = concat(answers, client.opening());
    }
    for (let round = 0; toServer.length > 0; round++) {
      ok(round < 5, 'no settlement');
      const replies = commands(toServer).map(
        ([verb, option]) => server.receive(verb, option) ?? new Uint8Array(),
      );
      toServer = client.receive(concat(...replies));
    }
    for (const side of ['local', 'remote'] as OptionSide[]) {
      ok(server.isEnabled(BINARY, side), `BINARY ${side}`);
      ok(server.isEnabled(COM, side), `COM-PORT-OPTION ${side}`);
    }
    ok(client.options.every((o) => o.option === ECHO || o.state === 'ACTIVE'));
  });
}

test('Negotiation: a server and a pyserial-like client settle in a bounded exchange', () => {
  const server = negotiator().n;
  // pyserial's client asks DO ECHO, WILL SGA, DO SGA, DO COM-PORT, WILL COM-PORT and accepts BINARY when asked.
  const client = negotiator({ local: [BINARY, SGA, COM], remote: [BINARY, SGA, COM, ECHO] }).n;
  const clientFirst = concat(
    client.request(ECHO, 'remote', true)!,
    client.request(SGA, 'local', true)!,
    client.request(SGA, 'remote', true)!,
    client.request(COM, 'remote', true)!,
    client.request(COM, 'local', true)!,
  );
  const sent = converse(client, server, concat(clientFirst));
  const serverFirst = server.requestAll(RFC2217_SERVER_REQUESTS);
  const more = converse(server, client, serverFirst);
  ok(sent + more <= 16, `${sent + more} messages`);
  for (const side of ['local', 'remote'] as OptionSide[]) {
    ok(server.isEnabled(BINARY, side) && server.isEnabled(COM, side) && server.isEnabled(SGA, side), side);
  }
  ok(!server.isEnabled(ECHO, 'local') && !client.isEnabled(ECHO, 'remote'));
});

test('Negotiation: a peer that acknowledges everything cannot start a loop', () => {
  const { n } = negotiator();
  // The naive peer answers every DO/DONT with WILL/WONT and every WILL/WONT with DO/DONT (the "ack loop" bug).
  const echoes = (verb: number) => ({ [DO]: WILL, [DONT]: WONT, [WILL]: DO, [WONT]: DONT })[verb] as number;
  let pending = commands(n.requestAll(RFC2217_SERVER_REQUESTS));
  pending.push([DO, ECHO], [WILL, NAWS]);
  let rounds = 0;
  while (pending.length > 0) {
    ok(rounds++ < 5, 'still talking after 5 rounds');
    const next: Array<[number, number]> = [];
    for (const [verb, option] of pending) {
      const reply = n.receive(echoes(verb), option);
      if (reply) next.push(...commands(reply));
    }
    pending = next;
  }
});

test('Negotiation: turning an option off, and the peer turning it off', () => {
  const { n, changes } = negotiator();
  n.receive(WILL, BINARY);
  n.receive(DO, BINARY);
  bytesEqual(n.request(BINARY, 'remote', false)!, say(DONT, BINARY));
  ok(!n.isEnabled(BINARY, 'remote'), 'off as soon as we asked');
  equal(n.receive(WONT, BINARY), undefined, 'the acknowledgement is not answered');
  // The peer stops doing BINARY on its own: acknowledged once.
  bytesEqual(n.receive(DONT, BINARY)!, say(WONT, BINARY));
  equal(n.receive(DONT, BINARY), undefined);
  equal(n.request(BINARY, 'local', false), undefined, 'already off');
  deepEqual(changes, ['remote 0 on', 'local 0 on', 'remote 0 off', 'local 0 off']);
});

test('Negotiation: a refusal of our request leaves the option off without a reply', () => {
  const { n, changes } = negotiator();
  bytesEqual(n.request(COM, 'remote', true)!, say(DO, COM));
  equal(n.receive(WONT, COM), undefined);
  ok(!n.isEnabled(COM, 'remote'));
  deepEqual(changes, []);
  // A later offer from the peer is a fresh request.
  bytesEqual(n.receive(WILL, COM)!, say(DO, COM));
});

test('Negotiation: a change of mind during a negotiation is queued (RFC 1143 queue bit)', () => {
  const { n, changes } = negotiator();
  bytesEqual(n.request(BINARY, 'remote', true)!, say(DO, BINARY));
  equal(n.request(BINARY, 'remote', false), undefined, 'queued, not sent');
  bytesEqual(n.receive(WILL, BINARY)!, say(DONT, BINARY), 'the queued disable goes out after the answer');
  equal(n.receive(WONT, BINARY), undefined);
  ok(!n.isEnabled(BINARY, 'remote'));
  deepEqual(changes, []);
  // Cancelling a queued change: enable, disable, enable again → just the enable.
  bytesEqual(n.request(SGA, 'local', true)!, say(WILL, SGA));
  equal(n.request(SGA, 'local', false), undefined);
  equal(n.request(SGA, 'local', true), undefined);
  equal(n.receive(DO, SGA), undefined);
  ok(n.isEnabled(SGA, 'local'));
});

test('Negotiation: DONT answered by WILL is reported (RFC 1143) and leaves the option off', () => {
  const { n, errors } = negotiator();
  n.receive(WILL, BINARY);
  n.request(BINARY, 'remote', false);
  equal(n.receive(WILL, BINARY), undefined);
  equal(errors.length, 1);
  equal(errors[0]!.code, 'TELNET_NEGOTIATION');
  equal(errors[0]!.option, BINARY);
  ok(!n.isEnabled(BINARY, 'remote'));
});
