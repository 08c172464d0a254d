/**
 * A refused `wasi:http` request, answered the way a refused connection is:
 * `handle` returns a future that is ready at once and holds the error code
 * (`HTTP-request-denied` for a denial). Throwing the code from `handle`
 * would be valid WIT too, but StarlingMonkey (componentize-js) then rejects
 * `fetch()` with a plain `Error` ("An error occurred while using the host
 * API") instead of the `TypeError` of a network error; through the future
 * a denied `fetch()` rejects exactly as a refused connection does.
 *
 * The glue checks `instanceof` against the shim's own class, so this is a
 * subclass of the shim's `FutureIncomingResponse` that never reaches the
 * shim's worker; its pollable is the shim's genuine (already ready) one.
 */
import { monotonicClock } from "@bytecodealliance/preview2-shim/clocks";
import { symbolDispose, type ShimObject } from "./context.js";
import type { HttpErrorCode } from "./http-target.js";

type FutureClass = new () => ShimObject;

/** A constructor of ready, failed futures for the shim's `FutureIncomingResponse` class `Base`. */
export function refusalClass(Base: FutureClass): new (error: HttpErrorCode) => ShimObject {
  return class RefusedResponse extends Base {
    readonly #error: HttpErrorCode;
    #taken = false;

    constructor(error: HttpErrorCode) {
      super();
      this.#error = error;
    }
    subscribe(): unknown {
      return monotonicClock.subscribeDuration(0n);
    }
    /** `some(ok(err(code)))` once, then `some(err)` as the WIT says for a value already taken. */
    get(): unknown {
      if (this.#taken) return { tag: "err", val: undefined };
      this.#taken = true;
      return { tag: "ok", val: { tag: "err", val: this.#error } };
    }
    [symbolDispose](): void {}
  };
}
