/**
 * One RFC 2217 client: a Telnet connection (RFC 854) whose data is the UART's and whose COM-PORT-OPTION
 * subnegotiations (RFC 2217) set the port. Built from the portable codecs in net/telnet: TelnetDecoder for what
 * the client sends, OptionNegotiator for WILL/WONT/DO/DONT, ComPortServer for the port commands, and a bounded
 * TelnetOutput for what goes back.
 *
 * Negotiation, as pyserial's client needs it: at connect the server asks only for BINARY both ways and waits for
 * the client's WILL COM-PORT-OPTION (RFC 2217 §1 has the client offer it; asking first confuses pyserial). Port
 * commands are accepted once COM-PORT-OPTION is on in either direction (clients differ in which side they
 * negotiate), and one NOTIFY-MODEMSTATE is sent when it first turns on, so the client learns the modem lines.
 */
import type { Log, TcpCallbacks, TcpSocket, Timer } from '../io/contracts.js';
import { encodeUtf8 } from '../net/encoding/utf8.js';
import {
  type ComPortControl,
  ComPortServer,
  OptionNegotiator,
  RFC2217_SERVER_POLICY,
  RFC2217_SERVER_REQUESTS,
  TelnetDecoder,
  TelnetOption,
} from '../net/telnet/index.js';
import { TelnetOutput } from './rfc2217-output.js';
import type { Rfc2217Port } from './rfc2217-port.js';
import type { ClientStats, UartClient, UartHub, UartSink } from './uart-hub.js';

/** What a session needs from its service. */
export interface SessionContext {
  readonly hub: UartHub;
  readonly port: Rfc2217Port;
  readonly timer: Timer;
  readonly log: Log;
  /** Wire bytes of UART output held per client. */
  readonly queueBytes: number;
  readonly stallTimeoutMs: number;
  /** Flash-job notices go into the data stream. */
  readonly notices: boolean;
  /** Answer to a client's SIGNATURE request. */
  readonly signature: string;
  /** The session ended (after it detached from the hub). */
  forget(session: Rfc2217Session): void;
  /** Client input is waiting: read it when the UART has room. */
  pumpUpstream(): void;
}

export class Rfc2217Session implements UartSink {
  readonly callbacks: TcpCallbacks;
  /** The socket said bytes wait and a read has not yet found it empty. */
  inputWaiting = false;
  private socket: TcpSocket | undefined;
  private client: UartClient | undefined;
  private closed = false;
  private readonly output: TelnetOutput;
  private readonly decoder: TelnetDecoder;
  private readonly negotiator: OptionNegotiator;
  private readonly comPort: ComPortServer;
  /** 'due': COM-PORT-OPTION just turned on, the first NOTIFY-MODEMSTATE goes out after the answer (DO/WILL). */
  private modemState: 'none' | 'due' | 'sent' = 'none';

  constructor(private readonly context: SessionContext) {
    const { log } = context;
    this.callbacks = {
      onReadable: () => {
        this.inputWaiting = true;
        context.pumpUpstream();
      },
      onWritable: () => this.output.flush(),
      onClose: () => this.drop('closed by the client'),
      onError: (error) => this.drop(error.message),
    };
    this.output = new TelnetOutput({
      timer: context.timer,
      capacity: context.queueBytes,
      stallTimeoutMs: context.stallTimeoutMs,
      onDropped: (count) => this.client?.countDropped(count),
      onFailed: (reason) => this.drop(reason),
    });
    this.decoder = new TelnetDecoder({
      onData: (chunk) => this.fromClient(chunk),
      onCommand: (command, option) => this.negotiation(command, option),
      onSubnegotiation: (option, payload) => this.subnegotiation(option, payload),
      onError: (error) => log('debug', `rfc2217 ${this.name}: ${error.message}`),
    });
    this.negotiator = new OptionNegotiator({
      policy: RFC2217_SERVER_POLICY,
      onChange: (option, side, enabled) => this.optionChanged(option, side, enabled),
      onError: (error) => log('debug', `rfc2217 ${this.name}: ${error.message}`),
    });
    this.comPort = new ComPortServer({
      control: this.sessionControl(context.port),
      signature: context.signature,
      onFlowControl: (suspended) => {
        this.output.suspended = suspended;
      },
      onError: (error) => log('info', `rfc2217 ${this.name}: ${error.message}`),
    });
  }

  /** Hub counters of this client, once attached. */
  get stats(): ClientStats | undefined {
    return this.client?.stats;
  }

  /** Wire bytes waiting for the socket. */
  get queuedBytes(): number {
    return this.output.queuedBytes;
  }

  /** The client suspended the flow (FLOWCONTROL-SUSPEND). */
  get suspended(): boolean {
    return this.output.suspended;
  }

  /** Attach to the hub and open the negotiation; false when refused (the client got the reason and is closed). */
  start(socket: TcpSocket): boolean {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const attached = this.context.hub.attach('rfc2217', remote, this);
    if ('refused' in attached) {
      this.refuse(socket, attached.refused);
      return false;
    }
    this.socket = socket;
    this.client = attached;
    this.output.attach(socket);
    this.reply(this.negotiator.requestAll(RFC2217_SERVER_REQUESTS));
    return true;
  }

  /** Tell the client why it cannot be served, as a line of text (no negotiation has happened), and close. */
  refuse(socket: TcpSocket, reason: string): void {
    this.context.log('warn', `rfc2217: refused ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
    this.output.attach(socket);
    this.output.sendData(encodeUtf8(`${reason}\r\n`));
    this.closed = true;
    this.output.close();
    socket.close();
  }

  deliver(bytes: Uint8Array): void {
    if (!this.closed) this.output.sendData(bytes);
  }

  /**
   * Flash-job notices. A program reads an RFC 2217 stream (it is a serial port to it), so text injected there
   * would be taken for the target's output: off unless the service was told otherwise.
   */
  notice(text: string): void {
    if (this.context.notices && !this.closed) this.output.sendData(encodeUtf8(text));
  }

  /** Line events (LineState bits): NOTIFY-LINESTATE when the client's mask lets any through (RFC 2217 §4). */
  lineEvent(state: number): void {
    if (this.closed || !this.comPortOn()) return;
    const note = this.comPort.notifyLineState(state);
    if (note) this.output.sendControl(note);
  }

  /**
   * Read up to `max` bytes from the client and decode them (data to the hub, commands answered): how many were
   * read. The data decoded is never more than the bytes read (IAC IAC is one data byte).
   */
  forwardInput(max: number): { read: number } {
    if (!this.inputWaiting || this.closed || !this.socket) return { read: 0 };
    const bytes = this.socket.read(max);
    if (!bytes || bytes.length < max) this.inputWaiting = false;
    if (!bytes || bytes.length === 0) return { read: 0 };
    this.decoder.push(bytes);
    return { read: bytes.length };
  }

  drop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.output.close();
    if (this.client) {
      this.context.log('info', `rfc2217: client ${this.client.stats.id} disconnected: ${reason}`);
      this.client.detach();
      this.client = undefined;
    }
    this.socket?.close();
    this.context.forget(this);
  }

  private get name(): string {
    return this.client ? `client ${this.client.stats.id}` : 'client';
  }

  private fromClient(chunk: Uint8Array): void {
    // 'refused' (another client owns input under 'exclusive', or the hold buffer is full) is counted by the hub.
    this.client?.write(chunk);
  }

  private reply(bytes: Uint8Array | undefined): void {
    if (bytes && bytes.length > 0 && !this.closed) this.output.sendControl(bytes);
  }

  private negotiation(command: number, option: number | undefined): void {
    this.reply(this.negotiator.receive(command, option));
    if (this.modemState === 'due') {
      this.modemState = 'sent';
      // pyserial's cts/dsr/cd raise until a first NOTIFY-MODEMSTATE arrived.
      this.reply(this.comPort.notifyModemState(this.context.port.getModemLines(), true));
    }
  }

  private subnegotiation(option: number, payload: Uint8Array): void {
    if (option !== TelnetOption.COM_PORT_OPTION) return;
    if (!this.comPortOn()) {
      this.context.log('debug', `rfc2217 ${this.name}: COM-PORT-OPTION command before the option was agreed`);
      return;
    }
    this.reply(this.comPort.receive(payload));
  }

  private optionChanged(option: number, side: 'local' | 'remote', enabled: boolean): void {
    if (option === TelnetOption.BINARY) {
      // RFC 856: BINARY is agreed per direction; the client's WILL is about what we receive.
      if (side === 'remote') this.decoder.binary = enabled;
      else this.output.mode = enabled ? 'binary' : 'nvt';
    } else if (option === TelnetOption.COM_PORT_OPTION && enabled && this.modemState === 'none') {
      this.modemState = 'due';
    }
  }

  private comPortOn(): boolean {
    const option = TelnetOption.COM_PORT_OPTION;
    return this.negotiator.isEnabled(option, 'remote') || this.negotiator.isEnabled(option, 'local');
  }

  /**
   * The shared port, except that PURGE-DATA receive also drops the UART data this session has not yet sent
   * (RFC 2217 §3: "the access server's receive data buffer").
   */
  private sessionControl(port: Rfc2217Port): ComPortControl {
    return {
      getSettings: () => port.getSettings(),
      configure: (settings) => port.configure(settings),
      getLines: () => port.getLines(),
      setDtr: (on) => port.setDtr(on),
      setRts: (on) => port.setRts(on),
      setBreak: (on) => port.setBreak(on),
      purge: (receive, transmit) => {
        port.purge(receive, transmit);
        if (receive) this.output.purgeData();
      },
      getModemLines: () => port.getModemLines(),
    };
  }
}
