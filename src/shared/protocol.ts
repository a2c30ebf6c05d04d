// The typed message protocol between the extension and the webview. The webview says `ready`
// before the extension sends anything.

export type WebviewToExtension = { type: "ready" };

export type ExtensionToWebview = { type: "indexState"; text: string };
