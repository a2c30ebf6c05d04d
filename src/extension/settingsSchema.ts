// Groundwork's settings: their types, defaults, and which need a reindex. No vscode import, so
// a unit test checks these defaults against package.json's contributes.configuration.

export interface GroundworkSettings {
  /** Index the workspace in the background after start-up. */
  "index.enabled": boolean;
  /** Files larger than this are skipped. */
  "index.maxFileBytes": number;
  /** More excludes, in .gitignore syntax. */
  "index.exclude": string[];
}

export const SETTING_DEFAULTS: GroundworkSettings = {
  "index.enabled": true,
  "index.maxFileBytes": 1024 * 1024,
  "index.exclude": [],
};

/** Settings whose change needs a reindex to take effect. */
export const REINDEX_SETTINGS: ReadonlySet<keyof GroundworkSettings> = new Set(["index.maxFileBytes", "index.exclude"]);
