// Plain TCP through a proxy to an echoing upstream, timed, every wait bounded: what the
// client session uses to see a toxic act (or a proxy refuse) rather than take the API's word.
import net from 'node:net';

const WAIT_MS = 10000;

function hostPort(address) {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

// One connection, kept open across several round trips.
export class EchoConnection {
  static open(address) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(hostPort(address));
      socket.setNoDelay(true);
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect ${address}: no answer in ${WAIT_MS} ms`)); }, WAIT_MS);
      socket.once('connect', () => { clearTimeout(timer); resolve(new EchoConnection(socket)); });
      socket.once('error', (error) => { clearTimeout(timer); reject(error); });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.received = Buffer.alloc(0);
    this.ended = null; // 'eof' or 'reset' once the peer is gone
    this.waiters = [];
    socket.on('data', (chunk) => { this.received = Buffer.concat([this.received, chunk]); this.wake(); });
    socket.on('end', () => { this.ended ??= 'eof'; this.wake(); });
    socket.on('error', (error) => { this.ended ??= error.code === 'ECONNRESET' ? 'reset' : error.code; this.wake(); });
    socket.on('close', () => { this.ended ??= 'eof'; this.wake(); });
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  // Resolves once done() holds, or rejects after WAIT_MS.
  until(done, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) { clearTimeout(timer); resolve(); return; }
        this.waiters.push(check);
      };
      const timer = setTimeout(() => reject(new Error(`${what}: nothing after ${WAIT_MS} ms`)), WAIT_MS);
      check();
    });
  }

  // Sends payload and waits for all of it to come back; returns the milliseconds it took.
  async roundTrip(payload) {
    this.received = Buffer.alloc(0);
    const start = performance.now();
    this.socket.write(payload);
    await this.until(() => this.received.length >= payload.length || this.ended, 'echo');
    const elapsed = performance.now() - start;
    if (!this.received.subarray(0, payload.length).equals(payload)) {
      throw new Error(`echo returned ${JSON.stringify(this.received.toString())} for ${JSON.stringify(payload.toString())}` +
        (this.ended ? ` (connection ${this.ended})` : ''));
    }
    return elapsed;
  }

  // Sends payload (if any) and reads until the peer closes: what came back, how it ended, when.
  async readToClose(payload) {
    this.received = Buffer.alloc(0);
    const start = performance.now();
    if (payload) this.socket.write(payload);
    await this.until(() => this.ended, 'close');
    return { bytes: this.received.length, ended: this.ended, ms: performance.now() - start };
  }

  close() {
    this.socket.destroy();
  }
}

// One round trip on a fresh connection.
export async function roundTrip(address, payload) {
  const connection = await EchoConnection.open(address);
  try {
    return await connection.roundTrip(payload);
  } finally {
    connection.close();
  }
}

// 'refused' when nothing listens at address, 'accepted' when something does.
export async function connectOutcome(address) {
  try {
    (await EchoConnection.open(address)).close();
    return 'accepted';
  } catch (error) {
    if (error.code === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}
