/**
 * The proxy variables a confined program gets: HTTP_PROXY and HTTPS_PROXY as
 * `http://`, ALL_PROXY as `socks5h://` (names resolve at the proxy), each in
 * upper and lower case, and NO_PROXY empty so that nothing bypasses them.
 */

/** The variables for a proxy (or relay) at `host:port`. */
export function proxyVariables(host: string, port: number): Record<string, string> {
  const http = `http://${host}:${port}`;
  const socks = `socks5h://${host}:${port}`;
  const env: Record<string, string> = {};
  for (const [name, value] of [
    ["HTTP_PROXY", http],
    ["HTTPS_PROXY", http],
    ["ALL_PROXY", socks],
    ["NO_PROXY", ""],
  ] as const) {
    env[name] = value;
    env[name.toLowerCase()] = value;
  }
  return env;
}

/** `base` without its proxy variables, plus the ones for `host:port`. */
export function withProxyVariables(base: Readonly<Record<string, string | undefined>>, host: string, port: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !/^(https?|all|no)_proxy$/i.test(k)) env[k] = v;
  return { ...env, ...proxyVariables(host, port) };
}
