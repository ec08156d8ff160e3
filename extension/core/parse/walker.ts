// A tree cursor that calls the tree-sitter runtime's cursor functions directly.
//
// web-tree-sitter's TreeCursor copies the cursor into a transfer buffer and back around every call
// (eight emscripten setValue/getValue calls per step). Walking a whole file that way costs more than
// parsing it. A Walker loads the cursor into the transfer buffer once and then only calls the runtime,
// which reads and updates the cursor in place. While a Walker is open nothing else may use the
// tree-sitter API (the transfer buffer is the Walker's); every use below is synchronous and closes
// its Walker before returning. Where the runtime does not expose these functions the Walker falls
// back to the public TreeCursor, with the same results.
import type { Language, Node as TSNode, TreeCursor } from 'web-tree-sitter';

interface Runtime {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_named_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
}

const NEEDED = [
  '_ts_init', '_ts_tree_cursor_current_node_type_id_wasm', '_ts_tree_cursor_current_node_is_named_wasm',
  '_ts_tree_cursor_current_field_id_wasm', '_ts_tree_cursor_start_index_wasm', '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm', '_ts_tree_cursor_goto_next_sibling_wasm', '_ts_tree_cursor_goto_parent_wasm',
] as const;

let runtime: Runtime | undefined;
let transfer = 0;

/** useRuntime - adopt the emscripten module object web-tree-sitter initialised, if it has what a Walker needs. */
export function useRuntime(module: Record<string, unknown>): boolean {
  if (!(module.HEAP32 instanceof Int32Array) || NEEDED.some((k) => typeof module[k] !== 'function')) return false;
  runtime = module as unknown as Runtime;
  transfer = runtime._ts_init() >> 2;
  return true;
}

/** For tests: whether Walkers use the direct path. */
export function directWalking(): boolean {
  return runtime !== undefined;
}

/** For tests: force the public-API path (false) or restore the direct one. */
let disabled = false;
export function setDirectWalking(on: boolean): void {
  disabled = !on;
}

type CursorFields = TreeCursor & { [k: number]: number };

export class Walker {
  private readonly cursor: CursorFields;
  private readonly tree: number;
  private readonly types: readonly string[];
  private readonly fields: readonly (string | null)[];
  private readonly rt: Runtime | undefined;

  constructor(node: TSNode, language: Language) {
    this.cursor = node.walk() as CursorFields;
    this.tree = (node.tree as unknown as { [k: number]: number })[0];
    this.types = language.types;
    this.fields = language.fields;
    this.rt = disabled ? undefined : runtime;
    if (this.rt) {
      const heap = this.rt.HEAP32;
      for (let k = 0; k < 4; k++) heap[transfer + k] = this.cursor[k];
    }
  }

  get type(): string {
    return this.rt ? this.types[this.rt._ts_tree_cursor_current_node_type_id_wasm(this.tree)] || 'ERROR' : this.cursor.nodeType;
  }

  get named(): boolean {
    return this.rt ? this.rt._ts_tree_cursor_current_node_is_named_wasm(this.tree) === 1 : this.cursor.nodeIsNamed;
  }

  get field(): string | null {
    return this.rt ? this.fields[this.rt._ts_tree_cursor_current_field_id_wasm(this.tree)] ?? null : this.cursor.currentFieldName;
  }

  get start(): number {
    return this.rt ? this.rt._ts_tree_cursor_start_index_wasm(this.tree) : this.cursor.startIndex;
  }

  get end(): number {
    return this.rt ? this.rt._ts_tree_cursor_end_index_wasm(this.tree) : this.cursor.endIndex;
  }

  firstChild(): boolean {
    return this.rt ? this.rt._ts_tree_cursor_goto_first_child_wasm(this.tree) === 1 : this.cursor.gotoFirstChild();
  }

  nextSibling(): boolean {
    return this.rt ? this.rt._ts_tree_cursor_goto_next_sibling_wasm(this.tree) === 1 : this.cursor.gotoNextSibling();
  }

  parent(): boolean {
    return this.rt ? this.rt._ts_tree_cursor_goto_parent_wasm(this.tree) === 1 : this.cursor.gotoParent();
  }

  /** Moves to the child in @field; false (and unmoved) if there is none. */
  fieldChild(field: string): boolean {
    if (!this.firstChild()) return false;
    do if (this.field === field) return true;
    while (this.nextSibling());
    this.parent();
    return false;
  }

  /** Gives the cursor back to web-tree-sitter and frees it. Always call (try/finally). */
  close(): void {
    if (this.rt) {
      // The runtime may have grown its memory while walking: read through the current view.
      const heap = this.rt.HEAP32;
      for (let k = 0; k < 4; k++) this.cursor[k] = heap[transfer + k];
    }
    this.cursor.delete();
  }
}

/** Offsets of line starts, for turning indices into (line, column) without asking the tree. */
export class Lines {
  private readonly starts: Int32Array;

  constructor(text: string) {
    let starts = new Int32Array(Math.max(16, text.length >> 5));
    let n = 1;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) !== 10) continue;
      if (n === starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[n++] = i + 1;
    }
    this.starts = starts.subarray(0, n);
  }

  /** 0-based line of offset @at. */
  line(at: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  column(at: number, line: number): number {
    return at - this.starts[line];
  }
}

/** Bytes of memory the tree-sitter runtime holds (it grows, never shrinks): for leak checks. */
export function runtimeHeapBytes(): number | undefined {
  return runtime?.HEAP32.byteLength;
}
