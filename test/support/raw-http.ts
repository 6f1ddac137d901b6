import type { ChildProcess } from 'node:child_process';
import { connect, Socket } from 'node:net';

export interface StalledUpload {
  socket: Socket;
  /** When the last byte was sent. */
  stalledAt: number;
  /** Resolves when the server closed the connection: the status line it answered (null: none) and when. */
  ended: Promise<{ status: number | null; response: string; endedAt: number }>;
}

/**
 * A CSV upload over a raw socket that sends its headers and `fileBytes` bytes of the file (0: not
 * even the file part's headers), then stops sending without closing: what a client on a dead link
 * looks like to the API. Declares a body far larger than what it sends.
 */
export async function stalledUpload(url: string, apiKey: string, fileBytes: number): Promise<StalledUpload> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const boundary = 'stalled-upload-boundary';
  let response = '';
  socket.on('data', (chunk: Buffer) => (response += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const ended = new Promise<{ status: number | null; response: string; endedAt: number }>((resolve) => {
    socket.once('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
      resolve({ status: status ? Number(status) : null, response, endedAt: Date.now() });
    });
  });
  socket.write(
    `POST /v1/contacts/imports HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${apiKey}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`,
  );
  if (fileBytes > 0) {
    const parts = [`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="stalled.csv"\r\nContent-Type: text/csv\r\n\r\nphone,name\n`];
    let bytes = parts[0].length;
    for (let i = 0; bytes < fileBytes; i++) {
      const line = `+62812${String(10_000_000 + i).slice(-7)},Stalled ${i}\n`;
      parts.push(line);
      bytes += line.length;
    }
    await new Promise<void>((resolve) => socket.write(parts.join(''), () => resolve()));
  }
  return { socket, stalledAt: Date.now(), ended };
}

/** Waits for a child process to exit; resolves with its exit code, signal and how long it took, or 'timeout'. */
export function exitOf(
  child: ChildProcess,
  since: number,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode, ms: Date.now() - since });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - since });
    });
  });
}
