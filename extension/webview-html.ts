// The one HTML shell every iopf-lens webview uses: nonce CSP with default-src 'none', assets only from dist/.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function distRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  // Only the built webview assets: the rest of dist/ (the extension and CLI bundles, the grammar) is none of a page's business.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(distRoot(extensionUri), 'webview')] };
}

/**
 * html - the shell for dist/webview/<name>.js and <name>.css. Everything the page shows is built
 * by that script from messages with textContent, so the shell itself holds no data at all.
 */
export function html(webview: vscode.Webview, extensionUri: vscode.Uri, name: 'simulation' | 'faultflow' | 'review', title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(distRoot(extensionUri), 'webview', f));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('common.css')}">
<link rel="stylesheet" href="${asset(`${name}.css`)}">
<title>${esc(title)}</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${nonce}" src="${asset(`${name}.js`)}"></script>
</body>
</html>`;
}

/**
 * A page that has not said "ready" some seconds after it was set (a webview worker that lost a race
 * on a reload, a load that failed) is set again, twice at most: a blank panel the user can do
 * nothing with is worse than a second load. Only while the panel is visible; hidden pages load when shown.
 */
export function reloadIfSilent(panel: vscode.WebviewPanel, isReady: () => boolean, reload: () => void,
  log: (line: string) => void, ms = 8000): vscode.Disposable {
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => { clearTimeout(timer); timer = setTimeout(check, ms); };
  const check = () => {
    if (isReady() || tries >= 2 || !panel.visible) return;
    tries++;
    log(`${panel.title}: the page did not load within ${ms / 1000} s; loading it again (${tries}/2)`);
    reload();
    arm();
  };
  arm();
  const sub = panel.onDidChangeViewState(() => { if (panel.visible && !isReady()) arm(); });
  return { dispose: () => { clearTimeout(timer); sub.dispose(); } };
}
