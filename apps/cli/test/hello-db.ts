/**
 * What the hello-db example must print (3 allowed, 3 denied), for the run
 * test from sources and the pack test from the installed package, and the
 * ports `run --example hello-db` announces on stderr.
 */

/** The six lines for an example serving on LISTEN and denied CLOSED. */
export function helloDbOutput(listen: number, closed: number): string {
  return [
    "hello-db: a component under netperm",
    `  allowed  listen on 127.0.0.1:${listen}: listening on 127.0.0.1:${listen}`,
    "  allowed  resolve db.internal: 127.0.0.1",
    "  allowed  query db.internal:5432: remote-address 127.0.0.1:5432, answer: 1 row for 'SELECT 1'",
    // localhost resolves everywhere: a guard that let the lookup through would print its address.
    "  denied   resolve localhost: permanent-resolver-failure",
    // A guard that let the connect through would print connection-refused (nobody listens) or "connected".
    `  denied   connect 127.0.0.1:${closed}: access-denied`,
    "  denied   listen on 0.0.0.0:8080: access-denied",
    "",
  ].join("\n");
}

/** The LISTEN and CLOSED ports of `run --example hello-db`, read from its stderr line. */
export function announcedPorts(stderr: string): { listen: number; closed: number } {
  const m = /netperm: example hello-db: run --allow-inbound=tcp:\/\/localhost:(\d+) .* -- (\d+) (\d+)\n/.exec(stderr);
  if (m === null) throw new Error(`no example line in: ${stderr}`);
  if (m[1] !== m[2]) throw new Error(`the grant's port ${m[1]} is not the example's ${m[2]}`);
  return { listen: Number(m[2]), closed: Number(m[3]) };
}
