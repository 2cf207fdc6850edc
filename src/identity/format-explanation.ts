import type { Hop, IdentifierExplanation, IdentifierRef, RemovedLink } from './explain-types.js';

/** Renders an explanation as lines of plain text, for the CLI's text output. */
export function formatExplanation(explanation: IdentifierExplanation): string[] {
  const asked = show(explanation.identifier);
  if (explanation.status === 'not_found') {
    return [`${asked} is not in the identity graph, nor among its blocked values. Check the type and value; a value first seen after the last run appears after the next one.`];
  }
  if (explanation.status === 'blocked') {
    const reasons = explanation.reasons.map((entry) => `  ${entry.reason} (${rows(entry.rows)})`);
    return [`${asked} is not used for linking:`, ...reasons];
  }

  const { profile } = explanation;
  const lines = [
    `${asked} belongs to profile ${profile.profileId} (${profile.identifierCount} identifiers).`,
    '',
    'Identifiers and how they are linked:',
  ];
  for (const identifier of explanation.identifiers) {
    const seen = `${identifier.source}, ${rows(identifier.rows)}, first seen ${identifier.firstSeen ?? 'unknown'}`;
    lines.push(`  ${show(identifier)} (${seen})`);
    for (const hop of identifier.path) lines.push(`    ${showHop(hop)}`);
  }

  if (explanation.removedLinks.length > 0) {
    lines.push('', 'Links removed by a limit or a quarantine:');
    for (const removed of explanation.removedLinks) lines.push(`  ${showRemoved(removed)}`);
  }
  if (explanation.merges.length > 0) {
    lines.push('', 'Merges:');
    for (const merge of explanation.merges) {
      lines.push(`  ${merge.absorbedProfileId} into ${merge.survivingProfileId} (run ${merge.runId}, ${merge.mergedAt})`);
    }
  }
  return lines;
}

function show(identifier: IdentifierRef): string {
  return `${identifier.type} ${JSON.stringify(identifier.value)}`;
}

function showHop(hop: Hop): string {
  const link = `${hop.link.source} (${rows(hop.link.rows)}, first seen ${hop.link.firstSeen ?? 'unknown'})`;
  return `via ${link}: ${show(hop.from)} with ${show(hop.to)}`;
}

function showRemoved(removed: RemovedLink): string {
  const others = removed.linkIdentifiers.map(show).join(', ') || 'no other identifier';
  const profile = removed.identifier.profileId === null ? '' : ` (profile ${removed.identifier.profileId})`;
  const link = `${removed.link.source} link ${removed.link.linkId}`;
  return `${removed.reason}: ${link} with ${others} no longer links ${show(removed.identifier)}${profile}`;
}

function rows(count: number): string {
  return count === 1 ? '1 row' : `${count} rows`;
}
