/** A closed interval [lower, upper] with a unique id. */
export interface IntervalEntry {
  readonly lower: number;
  readonly upper: number;
  readonly id: string;
}

interface Node<Entry extends IntervalEntry> {
  /** the entry's edges, copied so a walk reads only nodes (the entry is read for matches) */
  readonly lower: number;
  readonly upper: number;
  readonly entry: Entry;
  readonly priority: number;
  left: Node<Entry> | null;
  right: Node<Entry> | null;
  /** highest `upper` in this subtree: a subtree whose maxUpper is below the query holds no match */
  maxUpper: number;
}

/** FNV-1a of the id: tree shape (and so work done) is the same on every run for the same rules. */
function priorityOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const before = (a: IntervalEntry, b: IntervalEntry): boolean =>
  a.lower < b.lower || (a.lower === b.lower && a.id < b.id);

function refresh<Entry extends IntervalEntry>(node: Node<Entry>): Node<Entry> {
  let max = node.upper;
  if (node.left && node.left.maxUpper > max) max = node.left.maxUpper;
  if (node.right && node.right.maxUpper > max) max = node.right.maxUpper;
  node.maxUpper = max;
  return node;
}

/**
 * Interval tree (a treap ordered by lower edge, each node knowing the highest upper edge below it): finds the
 * intervals containing a value in O(log n + k·log n) for k matches, with O(log n) inserts and removals.
 */
export class IntervalIndex<Entry extends IntervalEntry> {
  #root: Node<Entry> | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  insert(entry: Entry): void {
    const node: Node<Entry> = {
      lower: entry.lower,
      upper: entry.upper,
      entry,
      priority: priorityOf(entry.id),
      left: null,
      right: null,
      maxUpper: entry.upper,
    };
    this.#root = insertNode(this.#root, node);
    this.#size++;
  }

  /** Removes the interval with this lower edge and id; returns whether it was there. */
  remove(lower: number, id: string): boolean {
    const sizeBefore = this.#size;
    this.#root = this.#removeNode(this.#root, lower, id);
    return this.#size < sizeBefore;
  }

  /** Visits every interval with lower ≤ value ≤ upper. */
  stab(value: number, visit: (entry: Entry) => void): void {
    stabNode(this.#root, value, visit);
  }

  #removeNode(node: Node<Entry> | null, lower: number, id: string): Node<Entry> | null {
    if (!node) return null;
    const entry = node.entry;
    if (entry.lower === lower && entry.id === id) {
      this.#size--;
      return merge(node.left, node.right);
    }
    if (lower < entry.lower || (lower === entry.lower && id < entry.id)) {
      node.left = this.#removeNode(node.left, lower, id);
    } else {
      node.right = this.#removeNode(node.right, lower, id);
    }
    return refresh(node);
  }
}

function insertNode<Entry extends IntervalEntry>(root: Node<Entry> | null, node: Node<Entry>): Node<Entry> {
  if (!root) return node;
  if (before(node.entry, root.entry)) {
    const left = insertNode(root.left, node);
    root.left = left;
    if (left.priority > root.priority) {
      root.left = left.right;
      left.right = refresh(root);
      return refresh(left);
    }
  } else {
    const right = insertNode(root.right, node);
    root.right = right;
    if (right.priority > root.priority) {
      root.right = right.left;
      right.left = refresh(root);
      return refresh(right);
    }
  }
  return refresh(root);
}

function merge<Entry extends IntervalEntry>(
  left: Node<Entry> | null,
  right: Node<Entry> | null,
): Node<Entry> | null {
  if (!left) return right;
  if (!right) return left;
  if (left.priority > right.priority) {
    left.right = merge(left.right, right);
    return refresh(left);
  }
  right.left = merge(left, right.left);
  return refresh(right);
}

function stabNode<Entry extends IntervalEntry>(
  node: Node<Entry> | null,
  value: number,
  visit: (entry: Entry) => void,
): void {
  if (!node || node.maxUpper < value) return;
  stabNode(node.left, value, visit);
  // Everything to the right starts at or after this lower edge.
  if (node.lower > value) return;
  if (node.upper >= value) visit(node.entry);
  stabNode(node.right, value, visit);
}
