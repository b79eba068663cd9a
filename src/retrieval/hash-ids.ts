/**
 * Dense ids for 32-bit feature hashes: an open-addressing hash table in typed arrays. At
 * 10,000 entries in eleven languages there are millions of features and a hundred million
 * look-ups while an index is built; a `Map` spends most of that time hashing and allocating.
 */
/** A `HashIds` table's arrays and size, as the engine cache stores them. */
export interface HashIdsState {
  readonly keys: Uint32Array;
  readonly ids: Int32Array;
  readonly count: number;
}

export class HashIds {
  private keys: Uint32Array;
  private ids: Int32Array;
  private count = 0;

  constructor(expected = 1024) {
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, expected * 2)));
    this.keys = new Uint32Array(capacity);
    this.ids = new Int32Array(capacity).fill(-1);
  }

  /** The table as it stands (shared, not copied: `intern` on either side would change both). */
  get state(): HashIdsState {
    return { keys: this.keys, ids: this.ids, count: this.count };
  }

  /** The table `state` describes, without rehashing: the same slots, so the same ids. */
  static fromState(state: HashIdsState): HashIds {
    if (state.keys.length !== state.ids.length || (state.keys.length & (state.keys.length - 1)) !== 0) throw new Error('hash id table: keys and ids must have one power-of-two length');
    const table = new HashIds(1);
    table.keys = state.keys;
    table.ids = state.ids;
    table.count = state.count;
    return table;
  }

  get size(): number {
    return this.count;
  }

  /** The id of `key`, or -1. */
  get(key: number): number {
    const mask = this.keys.length - 1;
    for (let slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      const id = this.ids[slot] as number;
      if (id < 0 || this.keys[slot] === key) return id;
    }
  }

  /** The id of `key`, given the next id (`size`) if it has none. */
  intern(key: number): number {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    for (let slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      const id = this.ids[slot] as number;
      if (id >= 0 && this.keys[slot] === key) return id;
      if (id < 0) {
        this.keys[slot] = key;
        this.ids[slot] = this.count;
        return this.count++;
      }
    }
  }

  private grow(): void {
    const { keys, ids } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.ids = new Int32Array(keys.length * 2).fill(-1);
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const id = ids[i] as number;
      if (id < 0) continue;
      let slot = mix(keys[i] as number) & mask;
      while ((this.ids[slot] as number) >= 0) slot = (slot + 1) & mask;
      this.keys[slot] = keys[i] as number;
      this.ids[slot] = id;
    }
  }
}

/** Spreads a hash's bits (the feature hashes' low bits alone cluster). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
