/**
 * In-memory audiences for the ads-platform imitations. An audience is a set of identifier
 * entries written `<type>:<value>`, such as `EMAIL:<sha256 hex>`: adding a person adds each of
 * their identifiers, and removing them deletes each one. Real platforms match people rather than
 * identifiers, which this does not try to imitate.
 */
export class AudienceStore {
  readonly #audiences = new Map<string, Set<string>>();

  add(audienceId: string, entries: Iterable<string>): void {
    const audience = this.#audience(audienceId);
    for (const entry of entries) audience.add(entry);
  }

  remove(audienceId: string, entries: Iterable<string>): void {
    const audience = this.#audience(audienceId);
    for (const entry of entries) audience.delete(entry);
  }

  /** Makes `entries` the audience's only entries. */
  replace(audienceId: string, entries: Iterable<string>): void {
    this.#audiences.set(audienceId, new Set(entries));
  }

  has(audienceId: string, entry: string): boolean {
    return this.#audiences.get(audienceId)?.has(entry) ?? false;
  }

  /** Returns the entries of an audience, sorted, or none for an audience never written to. */
  members(audienceId: string): string[] {
    return [...(this.#audiences.get(audienceId) ?? [])].sort();
  }

  audienceIds(): string[] {
    return [...this.#audiences.keys()].sort();
  }

  #audience(audienceId: string): Set<string> {
    let audience = this.#audiences.get(audienceId);
    if (!audience) {
      audience = new Set();
      this.#audiences.set(audienceId, audience);
    }
    return audience;
  }
}
