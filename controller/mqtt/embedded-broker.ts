import { createServer } from "node:net";
import { Aedes } from "aedes";
import { AddressInUseError, listenOn } from "../listen.ts";

export interface EmbeddedBroker {
  port: number;
  url: string;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `MQTT port ${port} is already in use (is another broker such as Mosquitto running?). ` +
        `Point Shelfsync at it with SHELFSYNC_MQTT_URL=mqtt://127.0.0.1:${port}, ` +
        `or pick another port for the embedded broker with SHELFSYNC_MQTT_PORT.`,
    );
  }
}

/**
 * Aedes in this process, for zero-configuration runs (MQTT 3.1.1, in-memory retained store: the
 * controller republishes every label's content whenever it connects, so nothing is lost on restart).
 * With `searchFreePort`, a taken port moves on to the next one (the demo does this; the controller
 * proper fails with PortInUseError instead, because silently moving would strand configured devices).
 */
export async function startEmbeddedBroker(options: {
  port: number;
  host?: string;
  searchFreePort?: boolean;
}): Promise<EmbeddedBroker> {
  const host = options.host ?? "0.0.0.0";
  const broker = await Aedes.createBroker();
  let port = options.port;
  for (let attempt = 0; ; attempt++) {
    const server = createServer(broker.handle);
    try {
      port = await listenOn(server, port, host).catch((e: unknown) => {
        throw e instanceof AddressInUseError ? new PortInUseError(port) : e;
      });
      const url = `mqtt://127.0.0.1:${port}`;
      return {
        port,
        url,
        close: async () => {
          await new Promise<void>((resolve) => broker.close(() => resolve()));
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    } catch (e) {
      server.close();
      if (!(e instanceof PortInUseError) || !options.searchFreePort || attempt >= 50 || port === 0) {
        broker.close();
        throw e;
      }
      port++;
    }
  }
}
