import { once } from "node:events";
import type { Server as HttpServer } from "node:http";
import type { Server as NetServer } from "node:net";

/** A port someone else already listens on (the caller turns it into an error that says what to do). */
export class AddressInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
  }
}

/** Listen and resolve with the bound port (port 0 = any free one); a taken port is AddressInUseError. */
export async function listenOn(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([e]) => {
        throw e;
      }),
    ]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new AddressInUseError(port);
    throw e;
  }
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}
