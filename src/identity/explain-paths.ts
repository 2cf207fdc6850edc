import type { Row } from '../core/values.js';
import type { Hop, IdentifierRef, LinkInfo, RemovedLink } from './explain-types.js';

/**
 * Finds the shortest chain of links from `start` to every identifier reachable over `edges`
 * (rows of identity_edges), by breadth-first search from identifier to link to identifier.
 * Returns the chain per identifier key (see identifierKey); `start` maps to an empty chain.
 */
export function shortestPaths(start: IdentifierRef, edges: Row[]): Map<string, Hop[]> {
  const linksOf = new Map<string, Row[]>();
  const identifiersOf = new Map<string, Row[]>();
  for (const edge of edges) {
    append(linksOf, identifierKey(String(edge.identifier_type), String(edge.identifier_value)), edge);
    append(identifiersOf, String(edge.link_id), edge);
  }

  const paths = new Map<string, Hop[]>([[identifierKey(start.type, start.value), []]]);
  const visitedLinks = new Set<string>();
  const queue: IdentifierRef[] = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const current = queue[head]!;
    const currentKey = identifierKey(current.type, current.value);
    const currentPath = paths.get(currentKey)!;

    for (const linkEdge of linksOf.get(currentKey) ?? []) {
      const linkId = String(linkEdge.link_id);
      if (visitedLinks.has(linkId)) continue;
      visitedLinks.add(linkId);

      for (const edge of identifiersOf.get(linkId) ?? []) {
        const next = { type: String(edge.identifier_type), value: String(edge.identifier_value) };
        const nextKey = identifierKey(next.type, next.value);
        if (paths.has(nextKey)) continue;
        paths.set(nextKey, [...currentPath, { from: current, to: next, link: linkInfo(edge) }]);
        queue.push(next);
      }
    }
  }
  return paths;
}

/**
 * Describes each removed edge among `edges` (every edge of the links concerned), with the
 * identifiers its link still joins.
 */
export function removedLinks(edges: Row[]): RemovedLink[] {
  const byLink = new Map<string, Row[]>();
  for (const edge of edges) append(byLink, String(edge.link_id), edge);

  const result: RemovedLink[] = [];
  for (const linkEdges of byLink.values()) {
    const kept = linkEdges.filter((edge) => edge.status === 'active').map(toIdentifier);
    for (const edge of linkEdges) {
      if (edge.status === 'active') continue;
      result.push({
        link: linkInfo(edge),
        reason: String(edge.status),
        identifier: { ...toIdentifier(edge), profileId: textOrNull(edge.profile_id) },
        linkProfileId: textOrNull(edge.link_profile_id),
        linkIdentifiers: kept,
      });
    }
  }
  return result;
}

function toIdentifier(edge: Row): IdentifierRef {
  return { type: String(edge.identifier_type), value: String(edge.identifier_value) };
}

function linkInfo(edge: Row): LinkInfo {
  return {
    linkId: String(edge.link_id),
    source: String(edge.source),
    firstSeen: textOrNull(edge.first_seen),
    lastSeen: textOrNull(edge.last_seen),
    rows: Number(edge.row_count),
  };
}

function append(map: Map<string, Row[]>, key: string, row: Row): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [row]);
  else list.push(row);
}

/** Builds a map key for an identifier. The NUL separator cannot occur in a type name. */
export function identifierKey(type: string, value: string): string {
  return `${type}\u0000${value}`;
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
