/**
 * The test TLS fixtures (test/fixtures/tls, valid until 2126): a test CA,
 * which global-setup.ts makes the test processes trust, and a certificate
 * it signed for the name `api.internal` and the address 127.0.0.9 only,
 * with its key. The CA's own key was thrown away when they were made.
 */
import { fileURLToPath } from "node:url";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

export const TLS_FIXTURES = { ca: fixture("ca.pem"), key: fixture("api.internal.key"), cert: fixture("api.internal.pem") };
