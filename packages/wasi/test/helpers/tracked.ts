/** Peers started by a test file, closed after each test. */
import { afterEach } from "vitest";
import { httpServer, httpsServer, tcpClient, tcpServer, udpClient, udpServer, type Peer } from "./peers.js";

export function trackPeers() {
  const peers: Peer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  const track = async (peer: Promise<Peer>): Promise<Peer> => {
    const started = await peer;
    peers.push(started);
    return started;
  };
  return {
    httpServer: (...a: Parameters<typeof httpServer>) => track(httpServer(...a)),
    httpsServer: (...a: Parameters<typeof httpsServer>) => track(httpsServer(...a)),
    tcpServer: (...a: Parameters<typeof tcpServer>) => track(tcpServer(...a)),
    udpServer: (...a: Parameters<typeof udpServer>) => track(udpServer(...a)),
    tcpClient: (...a: Parameters<typeof tcpClient>) => track(tcpClient(...a)),
    udpClient: (...a: Parameters<typeof udpClient>) => track(udpClient(...a)),
  };
}
