import type { UiToHostMessage } from '../../src/shared/chartProtocol';

interface VsCodeApi<S> {
  postMessage(message: UiToHostMessage): void;
  getState(): unknown;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/** The webview's channel to the host; `acquireVsCodeApi` may be called only once per page. */
export function connectToHost<S>(): VsCodeApi<S> {
  return acquireVsCodeApi<S>();
}

export type { VsCodeApi };
