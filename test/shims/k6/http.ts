/** Shim of `k6/http` for vitest: records every request and answers 200. */
import { recorder, type HttpCall } from "./recorder.js";

function request(method: string, url: string, body?: unknown, params?: HttpCall["params"]) {
  recorder.http.push({ method, url, body, params });
  return { status: 200, body: null, timings: { duration: 1 } };
}

const http = {
  request,
  get: (url: string, params?: HttpCall["params"]) => request("GET", url, null, params),
  post: (url: string, body?: unknown, params?: HttpCall["params"]) =>
    request("POST", url, body, params),
};

export default http;
export { request };
