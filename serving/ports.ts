/**
 * Loopback ports for the workers, chosen before they start so that nginx can start with them.
 *
 * @module
 */

/**
 * Finds `count` ports free on 127.0.0.1, from `range` when given (SageMaker's safe port range),
 * else any the system offers. A port can be taken between this check and the worker's bind;
 * the worker then falls back to any free port and serve reloads nginx with it.
 */
export function reservePorts(count: number, range?: readonly [number, number]): number[] {
  const listeners: Deno.Listener[] = [];
  try {
    if (range === undefined) {
      for (let i = 0; i < count; i++) {
        listeners.push(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
      }
    } else {
      for (let port = range[0]; port <= range[1] && listeners.length < count; port++) {
        try {
          listeners.push(Deno.listen({ hostname: "127.0.0.1", port }));
        } catch (error) {
          if (!(error instanceof Deno.errors.AddrInUse)) throw error;
        }
      }
      if (listeners.length < count) {
        throw new Error(
          `Only ${listeners.length} free ports in ${range[0]}-${range[1]} for ${count} workers`,
        );
      }
    }
    return listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  } finally {
    for (const listener of listeners) listener.close();
  }
}

/** The public port is taken: `serve` would otherwise share it with whatever holds it. */
export class PortInUseError extends Error {
  /** Names the port and what to do about it. */
  constructor(port: number) {
    super(
      `Port ${port} is in use: another server listens on it (an earlier serve, or its nginx ` +
        `left behind); stop it or set SAGEMAKER_BIND_TO_PORT to a free port`,
    );
    this.name = "PortInUseError";
  }
}

/**
 * Throws {@linkcode PortInUseError} unless `port` is free on every address. It binds the port
 * without SO_REUSEPORT, which fails even against listeners that share their port with
 * SO_REUSEPORT (nginx's `reuseport`, workers without nginx): those would otherwise accept this
 * second server beside them and split the traffic between two servers.
 */
export function assertPortFree(port: number): void {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: "0.0.0.0", port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) throw new PortInUseError(port);
    throw error;
  }
  listener.close();
}
