// The floor: a policy-free Node SOCKS5 relay (CONNECT to IPv4 only, net.connect + pipe), with
// one check (the deny port gets reply 2) so that denied connections/s can be compared.
// By default, when either side ends it closes both, as most small relays do; with
// `half-close` it keeps TCP half-close as netperm does (an end is passed on, the other
// direction goes on until it ends too): what a relay that keeps TCP's semantics pays.
// usage: node minimal-relay.mjs DENY_PORT [half-close]   (prints the port it listens on, 127.0.0.1)
import { connect, createServer } from "node:net";

const denyPort = Number(process.argv[2]);
const halfClose = process.argv[3] === "half-close";
const reply = (rep) => Buffer.from([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]);

const server = createServer({ noDelay: true, allowHalfOpen: halfClose }, (client) => {
  let buf = Buffer.alloc(0);
  let greeted = false;
  client.on("error", () => client.destroy());
  const onData = (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!greeted) {
      if (buf.length < 2 || buf.length < 2 + buf[1]) return;
      buf = buf.subarray(2 + buf[1]);
      greeted = true;
      client.write(Buffer.from([5, 0]));
    }
    if (buf.length < 10) return;
    if (buf[0] !== 5 || buf[1] !== 1 || buf[3] !== 1) return void client.destroy();
    const host = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
    const port = buf.readUInt16BE(8);
    const rest = buf.subarray(10);
    client.off("data", onData);
    client.pause();
    if (port === denyPort) return void client.end(reply(2));
    const upstream = connect({ host, port, noDelay: true, allowHalfOpen: halfClose });
    upstream.once("connect", () => {
      client.write(reply(0));
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => (upstream.connecting ? client.end(reply(5)) : client.destroy()));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  client.on("data", onData);
});
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => console.log(server.address().port));
