import type { HttpResponse } from './http-client.js';

/** Parses a JSON response body. Returns undefined when it is empty or not JSON. */
export function parseJsonBody(response: HttpResponse): unknown {
  if (response.body.trim() === '') return undefined;
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}
