// @pondwader/socks5-server with one ruleset check (the deny port is refused).
// usage: node pondwader.mjs DENY_PORT   (prints the port it listens on, 127.0.0.1)
import { createServer } from "@pondwader/socks5-server";

const denyPort = Number(process.argv[2]);
const server = createServer();
server.setRulesetValidator((conn) => conn.destPort !== denyPort);
server.listen(0, "127.0.0.1", function () {
  console.log(this.address().port); // `this` is the net.Server the library wraps
});
