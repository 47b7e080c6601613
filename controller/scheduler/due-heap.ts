export interface DueEntry {
  sku: string;
  at: number;
}

interface Node extends DueEntry {
  /** Insertion order: SKUs due at the same instant come out in the order they were scheduled. */
  seq: number;
  index: number;
}

const before = (a: Node, b: Node) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A binary min-heap of (instant, SKU) holding at most one entry per SKU. It knows where each SKU
 * sits, so rescheduling or dropping one SKU costs O(log n) instead of a scan of 100,000 entries.
 */
export class DueHeap {
  #nodes: Node[] = [];
  #bySku = new Map<string, Node>();
  #seq = 0;

  get size(): number {
    return this.#nodes.length;
  }

  has(sku: string): boolean {
    return this.#bySku.has(sku);
  }

  /** Schedule `sku` at `at`, replacing the SKU's previous entry if there was one. */
  set(sku: string, at: number): void {
    const existing = this.#bySku.get(sku);
    if (existing) {
      existing.at = at;
      existing.seq = this.#seq++;
      this.#siftUp(existing.index);
      this.#siftDown(existing.index);
      return;
    }
    const node: Node = { sku, at, seq: this.#seq++, index: this.#nodes.length };
    this.#nodes.push(node);
    this.#bySku.set(sku, node);
    this.#siftUp(node.index);
  }

  delete(sku: string): boolean {
    const node = this.#bySku.get(sku);
    if (!node) return false;
    this.#removeAt(node.index);
    return true;
  }

  peek(): DueEntry | undefined {
    const top = this.#nodes[0];
    return top && { sku: top.sku, at: top.at };
  }

  pop(): DueEntry | undefined {
    const top = this.#nodes[0];
    if (!top) return undefined;
    this.#removeAt(0);
    return { sku: top.sku, at: top.at };
  }

  /** The `limit` earliest entries in order, without disturbing the heap: O(limit · log limit). */
  smallest(limit: number): DueEntry[] {
    const nodes = this.#nodes;
    const out: DueEntry[] = [];
    // Best-first walk of the heap tree: the next smallest is always a child of one already taken.
    const frontier: Node[] = nodes[0] ? [nodes[0]] : [];
    while (out.length < limit && frontier.length > 0) {
      const node = frontier[0] as Node;
      const last = frontier.pop() as Node;
      if (frontier.length > 0) {
        frontier[0] = last;
        siftDown(frontier, 0, placeNowhere);
      }
      out.push({ sku: node.sku, at: node.at });
      for (const child of [nodes[2 * node.index + 1], nodes[2 * node.index + 2]]) {
        if (child) {
          frontier.push(child);
          siftUp(frontier, frontier.length - 1, placeNowhere);
        }
      }
    }
    return out;
  }

  #removeAt(index: number): void {
    const nodes = this.#nodes;
    const node = nodes[index] as Node;
    const last = nodes.pop() as Node;
    this.#bySku.delete(node.sku);
    if (last !== node) {
      nodes[index] = last;
      last.index = index;
      this.#siftUp(index);
      this.#siftDown(last.index);
    }
  }

  #siftUp(index: number): void {
    siftUp(this.#nodes, index, placeNode);
  }

  #siftDown(index: number): void {
    siftDown(this.#nodes, index, placeNode);
  }
}

const placeNode = (node: Node, index: number) => {
  node.index = index;
};
// The frontier of `smallest` is a throwaway heap of the same nodes: it must not touch their `index`.
const placeNowhere = () => {};

function siftUp(heap: Node[], index: number, place: (node: Node, index: number) => void): void {
  const node = heap[index] as Node;
  while (index > 0) {
    const parentIndex = (index - 1) >> 1;
    const parent = heap[parentIndex] as Node;
    if (!before(node, parent)) break;
    heap[index] = parent;
    place(parent, index);
    index = parentIndex;
  }
  heap[index] = node;
  place(node, index);
}

function siftDown(heap: Node[], index: number, place: (node: Node, index: number) => void): void {
  const n = heap.length;
  const node = heap[index] as Node;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && before(heap[right] as Node, heap[left] as Node) ? right : left;
    const childNode = heap[child] as Node;
    if (!before(childNode, node)) break;
    heap[index] = childNode;
    place(childNode, index);
    index = child;
  }
  heap[index] = node;
  place(node, index);
}
