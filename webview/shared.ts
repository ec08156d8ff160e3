// Browser-side helpers shared by the iopf-lens webviews: the vscode API handle, request/reply, and text-only DOM building.

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();

type Reply = { type: 'reply'; seq: number; ok: boolean; error?: string; line?: number };
let seq = 0;
const pending = new Map<number, (r: Reply) => void>();

/** Posts a request and resolves with the host's reply of the same seq (or a timeout error). */
export function request<T extends { seq: number }>(make: (seq: number) => T, timeoutMs = 10_000): Promise<Reply> {
  const id = ++seq;
  return new Promise((resolve) => {
    const timer = setTimeout(() => { pending.delete(id); resolve({ type: 'reply', seq: id, ok: false, error: 'no reply' }); }, timeoutMs);
    pending.set(id, (r) => { clearTimeout(timer); resolve(r); });
    vscode.postMessage(make(id));
  });
}

export function settleReply(r: Reply): void {
  const done = pending.get(r.seq);
  if (done) { pending.delete(r.seq); done(r); }
}

/**
 * el - creates an element whose children are elements or *text*. There is deliberately no way
 * to pass HTML: source lines, messages and patch subjects are untrusted and must stay text.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>,
  ...children: Array<Node | string | undefined | false>): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, ...children: Array<Node | string | undefined | false>): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string | undefined | false>): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    // Event-handler attributes would be script; none of our callers needs one.
    if (/^on/i.test(k)) continue;
    e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === undefined || c === false) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

export function clear(node: Element): void {
  while (node.firstChild) node.firstChild.remove();
}

/**
 * Text that may wrap only where @at allows (by default after punctuation or before a space), as text
 * nodes with <wbr> between them: an identifier is never broken, and nothing is parsed as HTML.
 */
export function breakable(text: string, at: RegExp = /(?<=[(,.>\]#=])|(?=\s)/): DocumentFragment {
  const f = document.createDocumentFragment();
  for (const part of text.split(at)) {
    if (f.childNodes.length) f.append(document.createElement('wbr'));
    f.append(document.createTextNode(part));
  }
  return f;
}
