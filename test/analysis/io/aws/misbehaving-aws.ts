/**
 * A loopback endpoint that misbehaves the way real networks and proxies do, for the real AWS
 * SDK clients: it can accept a connection and never answer, answer 200 with a body that is
 * not JSON, or answer 200 with JSON of the wrong shape. Every request is recorded (its
 * operation: the `X-Amz-Target` action, else the method and path), so a test can count the
 * attempts a client made, and can assert that none was made.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";

/** What to do with one request: hang, or answer with a status and a raw body. */
export type Behaviour =
  | { readonly kind: "hang" }
  | {
      readonly kind: "answer";
      readonly status: number;
      readonly body: string;
      readonly contentType?: string;
    };

export interface MisbehavingAws {
  readonly url: string;
  /** The operations received, in order ("RunTask", "GET /bucket?list-type=2", …). */
  readonly requests: string[];
  close(): Promise<void>;
}

function operationOf(req: IncomingMessage): string {
  const target = String(req.headers["x-amz-target"] ?? "");
  return target !== "" ? (target.split(".").pop() ?? target) : `${req.method} ${req.url}`;
}

/** Starts the endpoint; `behave(operation, body)` decides per request. */
export async function startMisbehavingAws(
  behave: (operation: string, body: string) => Behaviour,
): Promise<MisbehavingAws> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const op = operationOf(req);
      requests.push(op);
      const b = behave(op, body);
      if (b.kind === "hang") return; // never answers; the socket stays open
      res.writeHead(b.status, { "content-type": b.contentType ?? "application/x-amz-json-1.1" });
      res.end(b.body);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL nothing listens on (a port that was just free). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

export const json = (value: unknown, status = 200): Behaviour => ({
  kind: "answer",
  status,
  body: JSON.stringify(value),
});
export const awsJsonError = (type: string, message: string): Behaviour => ({
  kind: "answer",
  status: 400,
  body: JSON.stringify({ __type: type, message }),
});
