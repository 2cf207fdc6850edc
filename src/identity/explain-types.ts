/** The result of explainIdentifier, as plain data for text or JSON output. */

export interface IdentifierRef {
  type: string;
  value: string;
}

/** One link: the rows of one source that carried the same set of identifiers. */
export interface LinkInfo {
  linkId: string;
  source: string;
  firstSeen: string | null;
  lastSeen: string | null;
  rows: number;
}

/** One step of a path: `from` and `to` appeared together on `link`. */
export interface Hop {
  from: IdentifierRef;
  to: IdentifierRef;
  link: LinkInfo;
}

export interface ExplainedIdentifier extends IdentifierRef {
  source: string;
  firstSeen: string | null;
  lastSeen: string | null;
  rows: number;
  /** Shortest chain of links from the explained identifier to this one; empty for itself. */
  path: Hop[];
}

/** An edge a limit or quarantine removed, which would otherwise have joined two profiles. */
export interface RemovedLink {
  link: LinkInfo;
  reason: string;
  /** The identifier whose edge to the link was removed, and the profile it is in. */
  identifier: IdentifierRef & { profileId: string | null };
  /** The profile the link stayed in, and the identifiers it still joins there. */
  linkProfileId: string | null;
  linkIdentifiers: IdentifierRef[];
}

export interface ProfileMerge {
  absorbedProfileId: string;
  survivingProfileId: string;
  runId: string;
  mergedAt: string;
}

export interface ProfileSummary {
  profileId: string;
  createdAt: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  identifierCount: number;
}

export type IdentifierExplanation =
  | {
      status: 'found';
      identifier: IdentifierRef;
      profile: ProfileSummary;
      identifiers: ExplainedIdentifier[];
      removedLinks: RemovedLink[];
      merges: ProfileMerge[];
    }
  | { status: 'blocked'; identifier: IdentifierRef; reasons: { reason: string; rows: number }[] }
  | { status: 'not_found'; identifier: IdentifierRef };
