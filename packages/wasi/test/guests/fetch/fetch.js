// A componentize-js (StarlingMonkey) guest whose only network access is the
// engine's fetch(), which lowers to wasi:http/outgoing-handler. The export
// is async: componentize-js runs the guest's event loop until the promise
// settles and returns its value synchronously to the host.
export const probe = {
  async exec(request) {
    const { url, method = "GET", headers = {}, body } = JSON.parse(request);
    let response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      return JSON.stringify({
        ok: false,
        stage: "fetch",
        name: error?.name,
        typeError: error instanceof TypeError,
        message: String(error?.message ?? error).trim(),
      });
    }
    try {
      const text = await response.text();
      return JSON.stringify({ ok: true, status: response.status, body: text, contentType: response.headers.get("content-type") });
    } catch (error) {
      return JSON.stringify({ ok: false, stage: "body", status: response.status, name: error?.name, message: String(error?.message ?? error).trim() });
    }
  },
};
