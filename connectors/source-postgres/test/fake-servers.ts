import { createServer, type Server, type Socket } from 'node:net';

/** A TCP server on 127.0.0.1 with a random port; `close()` also drops open connections. */
export interface FakeServer {
  readonly port: number;
  close(): Promise<void>;
}

async function listen(onConnection: (socket: Socket) => void): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers: what a firewalled or hung server looks like. */
export function silentServer(): Promise<FakeServer> {
  return listen(() => undefined);
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await silentServer();
  await server.close();
  return server.port;
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/**
 * Speaks just enough of the Postgres wire protocol (v3) to ask for a cleartext password and
 * refuse it with SQLSTATE 28P01, as a server with `password` auth in pg_hba.conf does. The
 * local test server trusts every connection, so this is the only way to see that error.
 * Records the passwords it was sent.
 */
export async function passwordRejectingServer(): Promise<FakeServer & { passwords: string[] }> {
  const passwords: string[] = [];
  const server = await listen((socket) => {
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!started) {
        if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
        buffered = buffered.subarray(buffered.readInt32BE(0));
        started = true;
        const cleartext = Buffer.alloc(4);
        cleartext.writeInt32BE(3);
        socket.write(message('R', cleartext));
      }
      if (buffered.length < 5 || buffered.length < 1 + buffered.readInt32BE(1)) return;
      const end = 1 + buffered.readInt32BE(1);
      if (buffered[0] === 0x70) passwords.push(buffered.subarray(5, end).toString('utf8').replace(/\0$/, ''));
      buffered = buffered.subarray(end);
      const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "reader"'];
      socket.end(message('E', Buffer.from(fields.map((field) => `${field}\0`).join('') + '\0', 'utf8')));
    });
  });
  return { ...server, passwords };
}
