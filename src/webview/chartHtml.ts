import { randomBytes } from 'node:crypto';

export interface ChartPageResources {
  /** `webview.asWebviewUri` of dist/webview/chart.js and chart.css. */
  scriptUri: string;
  styleUri: string;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
}

/** A fresh script nonce from the OS's random source, as CSP requires: unguessable per page. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The chart page: nothing inline but the one nonce'd script tag that loads the bundle; all
 * data arrives by postMessage. img-src allows data: for chart.js's own canvas exports.
 */
export function chartHtml(r: ChartPageResources): string {
  const csp = [
    `default-src 'none'`,
    `img-src ${r.cspSource} data:`,
    `style-src ${r.cspSource}`,
    `font-src ${r.cspSource}`,
    `script-src 'nonce-${r.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(r.styleUri)}">
<title>State History</title>
</head>
<body>
<script nonce="${attr(r.nonce)}" src="${attr(r.scriptUri)}"></script>
</body>
</html>
`;
}
