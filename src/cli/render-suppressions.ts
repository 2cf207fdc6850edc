import type { SuppressionEntry } from '../suppression/suppression-list.js';

/** Renders one line per entry: channel, address, sender (or `*` for every sender), source, reason. */
export function renderSuppressionList(entries: readonly SuppressionEntry[]): string {
  if (entries.length === 0) return 'No suppression entries.';

  const lines = [`${'channel'.padEnd(7)} ${'address'.padEnd(32)} ${'sender'.padEnd(16)} ${'source'.padEnd(17)} added                     reason`];
  for (const entry of entries) {
    const sender = entry.sender ?? '*';
    lines.push(
      `${entry.channel.padEnd(7)} ${entry.address.padEnd(32)} ${sender.padEnd(16)} ${entry.source.padEnd(17)} ${entry.createdAt.padEnd(25)} ${entry.reason}`,
    );
  }
  return lines.join('\n');
}
