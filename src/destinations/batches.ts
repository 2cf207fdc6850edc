/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/** Limits of one request body that carries a JSON array of items. */
export interface BodyLimits {
  maxItems: number;
  maxBytes: number;
  /** Bytes reserved for the JSON document around the items. */
  envelopeBytes: number;
}

/**
 * Splits `items` into consecutive chunks within both the item and the byte limit. An item counts
 * as its JSON encoding plus one byte for the separating comma. An item larger than the byte
 * limit still gets a chunk of its own, for the vendor to reject.
 */
export function chunkByBodySize<T>(
  items: readonly T[],
  limits: BodyLimits,
  payloadOf: (item: T) => unknown,
): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let bytes = limits.envelopeBytes;

  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(payloadOf(item))) + 1;
    const full = current.length >= limits.maxItems || bytes + size > limits.maxBytes;
    if (full && current.length > 0) {
      result.push(current);
      current = [];
      bytes = limits.envelopeBytes;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
