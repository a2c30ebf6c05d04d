// One typed accessor for Groundwork's settings (see settingsSchema.ts for the keys and defaults).
import * as vscode from "vscode";
import { type GroundworkSettings, REINDEX_SETTINGS, REOPEN_SETTINGS, SETTING_DEFAULTS } from "./settingsSchema";

export type { GroundworkSettings } from "./settingsSchema";

export function readSettings(scope?: vscode.ConfigurationScope): GroundworkSettings {
  const config = vscode.workspace.getConfiguration("groundwork", scope);
  const settings = { ...SETTING_DEFAULTS };
  for (const key of Object.keys(SETTING_DEFAULTS) as Array<keyof GroundworkSettings>) {
    (settings as Record<string, unknown>)[key] = config.get(key, SETTING_DEFAULTS[key]);
  }
  return settings;
}

export function affectsReindex(event: vscode.ConfigurationChangeEvent): boolean {
  return [...REINDEX_SETTINGS].some((key) => event.affectsConfiguration(`groundwork.${key}`));
}

/** Settings that reopen the index with new options, without reindexing. */
export function affectsReopen(event: vscode.ConfigurationChangeEvent): boolean {
  return [...REOPEN_SETTINGS].some((key) => event.affectsConfiguration(`groundwork.${key}`));
}
