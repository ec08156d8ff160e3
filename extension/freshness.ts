// Whether a panel still shows the text it was computed from: a hash of each document it read, compared with the documents now.
import * as vscode from 'vscode';

/** A short hash of a document's text (FNV-1a and the length): equal text, equal hash. */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return `${(h >>> 0).toString(16)}:${text.length}`;
}

/** The open documents, among @read (URI -> hash of what was read), whose text now differs, as workspace-relative paths. */
export function changedSince(read: Iterable<[string, string]>): string[] {
  const changed: string[] = [];
  for (const [uri, hash] of read) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (doc && textHash(doc.getText()) !== hash) changed.push(vscode.workspace.asRelativePath(doc.uri));
  }
  return changed;
}
