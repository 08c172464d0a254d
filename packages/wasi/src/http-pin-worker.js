// @ts-check
/**
 * Runs inside preview2-shim's I/O worker (loaded by the shim's
 * `callExtension`, see http-pin.ts), where the shim's wasi:http requests are
 * made with `node:http` / `node:https` and their keep-alive agents. It pins
 * one request at a time to the endpoints netperm checked, leaving everything
 * else the shim does (the request, `Host`, the TLS server name, the
 * response, the errors) as it is:
 *
 * - `arm` names the request about to be made (the host and port the shim
 *   will pass to `http.request`, from the authority) and where it may
 *   connect. The main thread arms, then makes the request through the
 *   shim, each a blocking call on this one worker, so no other request
 *   reaches this worker between them. The request uses the pin up (agents
 *   read it and open a connection synchronously inside `http.request`);
 *   `disarm` drops a pin whose request never came (the shim refused it on
 *   the main thread).
 * - For the armed request, the agent's connection resolves the host to the
 *   checked addresses only (a `lookup` that answers them, so a second DNS
 *   lookup can not answer something else) and connects to the checked port.
 *   The host stays the name: `Host` and, for https, the server name and the
 *   certificate check are the name's, as without netperm.
 * - A request made while a pin is armed that is not the pinned one is
 *   refused (fail closed: netperm and the shim read the authority apart),
 *   and uses the pin up too.
 * - The agents' pool key gets the pin, so a kept-alive connection is reused
 *   only by a request pinned to the same endpoints, never by one whose
 *   policy checked other addresses (or none). The key is kept on the
 *   request's options, where the agent finds it again when it files the
 *   freed socket, after the pin is disarmed.
 *
 * Plain JavaScript, not TypeScript: the shim's worker imports it as it is.
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";

/**
 * @typedef {{ address: string, family: 4 | 6 }} PinnedAddress
 * @typedef {{ host: string, port: number, connectPort: number, addresses: PinnedAddress[] }} Pin
 * @typedef {{ host?: string | null, port?: number | string | null, [key: string]: unknown }} ConnectOptions
 * @typedef {(error: NodeJS.ErrnoException | null, address: string | PinnedAddress[], family?: number) => void} LookupCallback
 */

/** @type {(Pin & { key: string }) | null} */
let armed = null;

/**
 * The armed pin, when `options` are those of the armed request.
 * @param {ConnectOptions} options
 */
function pinOf(options) {
  if (armed === null || options === null || typeof options !== "object") return null;
  return options.host === armed.host && Number(options.port) === armed.port ? armed : null;
}

/**
 * A `lookup` (dns.lookup's signature) that answers only the pinned addresses.
 * @param {PinnedAddress[]} addresses
 */
function pinnedLookup(addresses) {
  /**
   * @param {string} hostname
   * @param {{ family?: number | string, all?: boolean }} options
   * @param {LookupCallback} callback
   */
  return (hostname, options, callback) => {
    const family = Number(options?.family) || 0;
    const answers = addresses.filter((a) => family === 0 || a.family === family);
    process.nextTick(() => {
      const first = answers[0];
      if (first === undefined) {
        const error = /** @type {NodeJS.ErrnoException} */ (new Error(`getaddrinfo ENOTFOUND ${hostname}`));
        Object.assign(error, { code: "ENOTFOUND", syscall: "getaddrinfo", hostname });
        callback(error, "");
      } else if (options?.all) callback(null, answers.map((a) => ({ ...a })));
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * Wraps an agent's `createConnection` so the armed request connects only to
 * its pin: a name through the pinned lookup, an address (a mapped one) to the
 * pinned address itself.
 * @template {(options: any, ...rest: any[]) => any} F
 * @param {F} create
 * @returns {F}
 */
function pinConnections(create) {
  /** @this {unknown} @param {ConnectOptions} options @param {unknown[]} rest */
  function createPinnedConnection(options, ...rest) {
    const pin = pinOf(options);
    if (pin === null) return create.call(this, options, ...rest);
    const pinned = { ...options, port: pin.connectPort, lookup: pinnedLookup(pin.addresses) };
    const asked = String(options.host);
    const first = pin.addresses[0];
    // An address is connected to without a lookup: connect to the pinned one, and check an https certificate against the address asked for.
    if (isIP(asked) && first !== undefined) Object.assign(pinned, { host: first.address, checkServerIdentity: (/** @type {string} */ _, /** @type {import("node:tls").PeerCertificate} */ cert) => checkServerIdentity(asked, cert) });
    return create.call(this, pinned, ...rest);
  }
  return /** @type {F} */ (/** @type {unknown} */ (createPinnedConnection));
}

/** Where a request's options keep their pin's key, for the agent's later calls (a freed socket is filed by `getName(options)` when no pin is armed). */
const PIN_KEY = Symbol("netperm.pin");

const getName = http.Agent.prototype.getName;
/** @this {http.Agent} @param {http.ClientRequestArgs & { [PIN_KEY]?: string }} [options] */
http.Agent.prototype.getName = function getPinnedName(options) {
  const name = getName.call(this, options);
  if (options === undefined || options === null) return name;
  const pin = pinOf(/** @type {ConnectOptions} */ (options));
  if (pin !== null) options[PIN_KEY] = pin.key;
  const key = options[PIN_KEY];
  return key === undefined ? name : `${name}:netperm-pin=${key}`;
};
/** `addRequest` is Node's, undocumented in its types: `(request, options)`, called by every `http.request`. */
const agentPrototype = /** @type {{ addRequest: (request: unknown, options: ConnectOptions, ...rest: unknown[]) => unknown }} */ (/** @type {unknown} */ (http.Agent.prototype));
const addRequest = agentPrototype.addRequest;
/**
 * A pin is for the one request the shim makes next: the agent's
 * `addRequest` (where `http.request` hands it over, and inside which the
 * pool key is read and a new connection opened) uses it and clears it.
 * That request must be the pinned one; one that does not match (netperm
 * read the authority otherwise than the shim did) is refused: its
 * `http.request` throws, and the shim answers `internal-error`. Fail closed,
 * rather than connect where nobody decided.
 * @this {unknown} @param {unknown} request @param {ConnectOptions} options @param {unknown[]} rest
 */
function addPinnedRequest(request, options, ...rest) {
  if (armed === null) return Reflect.apply(addRequest, this, [request, options, ...rest]);
  try {
    if (pinOf(options) === null) {
      throw new Error(`netperm: a request to ${String(options?.host)}:${String(options?.port)} while ${armed.host}:${armed.port} is pinned; refused`);
    }
    return Reflect.apply(addRequest, this, [request, options, ...rest]);
  } finally {
    armed = null;
  }
}
agentPrototype.addRequest = addPinnedRequest;

http.Agent.prototype.createConnection = pinConnections(http.Agent.prototype.createConnection);
https.Agent.prototype.createConnection = pinConnections(https.Agent.prototype.createConnection);

/**
 * The shim's extension entry: `arm` (its one argument a Pin) and `disarm`.
 * @returns {(operation: string, args: unknown[]) => boolean}
 */
export default function create() {
  return (operation, args) => {
    if (operation === "disarm") {
      armed = null;
      return true;
    }
    if (operation === "arm") {
      const pin = /** @type {Pin} */ (args[0]); // a copy already: the shim's call clones its arguments
      armed = { ...pin, key: `${pin.addresses.map((a) => a.address).join(",")}@${pin.connectPort}` };
      return true;
    }
    throw new Error(`netperm http pin: unknown operation ${operation}`);
  };
}
