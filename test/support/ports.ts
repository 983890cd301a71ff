import { connect, createServer, type AddressInfo } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls until the port accepts (or refuses) connections; bounded. */
export async function waitForPort(port: number, open: boolean, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while ((await accepts(port)) !== open) {
    if (Date.now() > until) throw new Error(`port ${port} did not ${open ? "open" : "close"} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
