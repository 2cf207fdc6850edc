/**
 * Disjoint sets over integer ids 0, 1, 2, ... with path compression (path halving) and union by
 * size, in typed arrays that grow by doubling. Near-constant amortised time per operation.
 */
export class UnionFind {
  #parent = new Int32Array(1 << 16);
  #size = new Int32Array(1 << 16);
  #count = 0;

  /** Number of elements added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds a singleton set and returns its id. */
  add(): number {
    if (this.#count === this.#parent.length) this.#grow();
    const id = this.#count;
    this.#parent[id] = id;
    this.#size[id] = 1;
    this.#count += 1;
    return id;
  }

  /** Returns the root of the set holding `id`, halving the path on the way. */
  find(id: number): number {
    const parent = this.#parent;
    let node = id;
    while (parent[node] !== node) {
      const grandparent = parent[parent[node]!]!;
      parent[node] = grandparent;
      node = grandparent;
    }
    return node;
  }

  /** Joins the sets of `a` and `b`. The root of the larger set becomes the root of both. */
  union(a: number, b: number): void {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if (this.#size[rootA]! < this.#size[rootB]!) [rootA, rootB] = [rootB, rootA];
    this.#parent[rootB] = rootA;
    this.#size[rootA]! += this.#size[rootB]!;
  }

  #grow(): void {
    const parent = new Int32Array(this.#parent.length * 2);
    const size = new Int32Array(this.#size.length * 2);
    parent.set(this.#parent);
    size.set(this.#size);
    this.#parent = parent;
    this.#size = size;
  }
}
