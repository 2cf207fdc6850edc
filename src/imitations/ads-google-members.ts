/**
 * Request checks for the Google Data Manager imitation (google.ts): the destinations, the
 * encoding and each AudienceMember, reported as google.rpc.BadRequest field violations with the
 * paths the real API uses, such as `audience_members.audience_members[3].user_data`.
 */
import { isLowerHexSha256 } from './ads-value-checks.js';

export interface FieldViolation {
  field: string;
  description: string;
  reason: string;
}

interface GoogleDestinationRef {
  accountType: string;
  accountId: string;
  productDestinationId: string;
}

const IDENTIFIER_KEYS = ['emailAddress', 'phoneNumber', 'address'] as const;
const MAX_IDENTIFIERS = 10;
const MAX_DESTINATIONS = 10;

/** A members request that passed every check. */
export interface MembersRequest {
  /** productDestinationId of each destination. */
  audienceIds: string[];
  /** Each member's identifiers as audience entries, such as `emailAddress:<hash>`. */
  members: string[][];
  encoding: unknown;
  consent: unknown;
}

export interface MembersLimits {
  maxMembers: number;
  /** Audience IDs that exist; undefined when any ID exists. */
  audienceIds: string[] | undefined;
}

/**
 * Checks an ingest or remove request body. Returns what to apply, or every violation found,
 * since the real API reports them all at once.
 */
export function readMembersRequest(
  body: unknown,
  limits: MembersLimits,
  invalidValues: Map<string, string>,
): MembersRequest | { violations: FieldViolation[] } {
  if (typeof body !== 'object' || body === null) {
    return {
      violations: [violation('', 'The request body is not a JSON object', 'INVALID_ARGUMENT')],
    };
  }

  const fields = body as Record<string, unknown>;
  const violations: FieldViolation[] = [];
  const destinations = readDestinations(fields.destinations, violations);
  destinations.forEach((destination, index) => {
    if (limits.audienceIds && !limits.audienceIds.includes(destination.productDestinationId)) {
      const field = `destinations[${index}].product_destination_id`;
      violations.push(
        violation(field, 'The audience was not found', 'INVALID_PRODUCT_DESTINATION_ID'),
      );
    }
  });

  const members: unknown[] = Array.isArray(fields.audienceMembers) ? fields.audienceMembers : [];
  if (members.length === 0 || members.length > limits.maxMembers) {
    const description = `between 1 and ${limits.maxMembers} audience members are required`;
    violations.push(violation('audience_members', description, 'TOO_MANY_AUDIENCE_MEMBERS'));
  }
  const usesUserData = members.some(
    (member) => (member as Record<string, unknown> | null)?.userData !== undefined,
  );
  if (usesUserData && fields.encoding !== 'HEX' && fields.encoding !== 'BASE64') {
    const description = 'encoding must be HEX or BASE64 for user data';
    violations.push(violation('encoding', description, 'INVALID_ENCODING'));
  }

  const entries = members.map((member, index) =>
    readMember(member, index, invalidValues, violations),
  );
  if (violations.length > 0) return { violations };
  return {
    audienceIds: destinations.map((destination) => destination.productDestinationId),
    members: entries.map((memberEntries) => memberEntries ?? []),
    encoding: fields.encoding,
    consent: fields.consent,
  };
}

/** Reads the destinations of a request, adding a violation for each malformed one. */
function readDestinations(value: unknown, violations: FieldViolation[]): GoogleDestinationRef[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_DESTINATIONS) {
    violations.push(
      violation(
        'destinations',
        `between 1 and ${MAX_DESTINATIONS} destinations are required`,
        'INVALID_DESTINATIONS',
      ),
    );
    return [];
  }

  const destinations: GoogleDestinationRef[] = [];
  value.forEach((destination: Record<string, unknown> | null, index) => {
    const account = destination?.operatingAccount as Record<string, unknown> | undefined;
    const productDestinationId = destination?.productDestinationId;
    if (
      typeof account?.accountType !== 'string' ||
      typeof account.accountId !== 'string' ||
      typeof productDestinationId !== 'string'
    ) {
      violations.push(
        violation(
          `destinations[${index}]`,
          'operatingAccount.accountType, operatingAccount.accountId and ' +
            'productDestinationId are required',
          'INVALID_DESTINATION',
        ),
      );
      return;
    }
    destinations.push({
      accountType: account.accountType,
      accountId: account.accountId,
      productDestinationId,
    });
  });
  return destinations;
}

/**
 * Checks one AudienceMember and returns its identifiers as audience entries, such as
 * `emailAddress:<hash>`, or adds violations and returns undefined.
 */
function readMember(
  member: unknown,
  index: number,
  invalidValues: Map<string, string>,
  violations: FieldViolation[],
): string[] | undefined {
  const path = `audience_members.audience_members[${index}]`;
  const before = violations.length;
  const fields =
    typeof member === 'object' && member !== null ? (member as Record<string, unknown>) : {};
  const userData = fields.userData as Record<string, unknown> | undefined;
  const mobileData = fields.mobileData as Record<string, unknown> | undefined;

  let entries: string[] = [];
  if ((userData === undefined) === (mobileData === undefined)) {
    violations.push(
      violation(
        path,
        'exactly one of userData and mobileData is required',
        'INVALID_AUDIENCE_MEMBER',
      ),
    );
  } else if (userData !== undefined) {
    entries = readUserIdentifiers(
      userData.userIdentifiers,
      `${path}.user_data.user_identifiers`,
      violations,
    );
  } else {
    entries = readMobileIds(mobileData?.mobileIds, `${path}.mobile_data.mobile_ids`, violations);
  }

  for (const entry of entries) {
    const values = entry.slice(entry.indexOf(':') + 1).split('|');
    const reason = values
      .map((value) => invalidValues.get(value))
      .find((text) => text !== undefined);
    if (reason !== undefined) violations.push(violation(path, reason, 'INVALID_IDENTIFIER'));
  }
  return violations.length === before ? entries : undefined;
}

function readUserIdentifiers(value: unknown, path: string, violations: FieldViolation[]): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDENTIFIERS) {
    violations.push(
      violation(
        path,
        `between 1 and ${MAX_IDENTIFIERS} user identifiers are required`,
        'INVALID_USER_IDENTIFIERS',
      ),
    );
    return [];
  }

  const entries: string[] = [];
  value.forEach((identifier: Record<string, unknown> | null, position) => {
    const itemPath = `${path}[${position}]`;
    const keys = IDENTIFIER_KEYS.filter((key) => identifier?.[key] !== undefined);
    if (keys.length !== 1) {
      // The API's oneof: each UserIdentifier sets exactly one of its fields.
      violations.push(
        violation(
          itemPath,
          'set exactly one of emailAddress, phoneNumber and address',
          'INVALID_USER_IDENTIFIER',
        ),
      );
      return;
    }

    const key = keys[0]!;
    const entry =
      key === 'address'
        ? readAddress(identifier?.address, itemPath, violations)
        : readHash(identifier?.[key], key, itemPath, violations);
    if (entry !== undefined) entries.push(entry);
  });
  return entries;
}

function readHash(
  value: unknown,
  key: string,
  path: string,
  violations: FieldViolation[],
): string | undefined {
  if (isLowerHexSha256(value)) return `${key}:${value}`;
  violations.push(
    violation(path, `${key} is not a hex-encoded SHA-256 hash`, 'INVALID_SHA256_FORMAT'),
  );
  return undefined;
}

function readAddress(
  value: unknown,
  path: string,
  violations: FieldViolation[],
): string | undefined {
  const address =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { givenName, familyName, regionCode, postalCode } = address;
  if (!isLowerHexSha256(givenName) || !isLowerHexSha256(familyName)) {
    violations.push(
      violation(
        `${path}.address`,
        'givenName and familyName must be hex-encoded SHA-256 hashes',
        'INVALID_SHA256_FORMAT',
      ),
    );
    return undefined;
  }
  if (typeof regionCode !== 'string' || !/^[A-Z]{2}$/.test(regionCode)) {
    violations.push(
      violation(
        `${path}.address.region_code`,
        'regionCode must be an ISO 3166-1 alpha-2 code',
        'INVALID_REGION_CODE',
      ),
    );
    return undefined;
  }
  if (typeof postalCode !== 'string' || postalCode.trim() === '') {
    violations.push(
      violation(`${path}.address.postal_code`, 'postalCode is required', 'INVALID_POSTAL_CODE'),
    );
    return undefined;
  }
  return `address:${givenName}|${familyName}|${regionCode}|${postalCode}`;
}

function readMobileIds(value: unknown, path: string, violations: FieldViolation[]): string[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= MAX_IDENTIFIERS &&
    value.every((id) => typeof id === 'string' && id.trim() !== '');
  if (!valid) {
    violations.push(
      violation(
        path,
        `between 1 and ${MAX_IDENTIFIERS} mobile IDs are required`,
        'INVALID_MOBILE_ID',
      ),
    );
    return [];
  }
  return (value as string[]).map((id) => `mobileId:${id}`);
}

function violation(field: string, description: string, reason: string): FieldViolation {
  return { field, description, reason };
}
