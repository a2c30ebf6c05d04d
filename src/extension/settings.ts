// One typed accessor for Groundwork's settings; the defaults here are checked against
// package.json's contributes.configuration by a test.
import * as vscode from "vscode";

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

export function readSettings(scope?: vscode.ConfigurationScope): GroundworkSettings {
  const config = vscode.workspace.getConfiguration("groundwork", scope);
  const read = <K extends keyof GroundworkSettings>(key: K): GroundworkSettings[K] => config.get(key, SETTING_DEFAULTS[key]);
  return {
    "index.enabled": read("index.enabled"),
    "index.maxFileBytes": read("index.maxFileBytes"),
    "index.exclude": read("index.exclude"),
  };
}

export function affectsReindex(event: vscode.ConfigurationChangeEvent): boolean {
  return [...REINDEX_SETTINGS].some((key) => event.affectsConfiguration(`groundwork.${key}`));
}
