import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SETTING_DEFAULTS } from "../../src/extension/settingsSchema";
import { REPO_ROOT } from "../helpers/workspace";

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));

describe("extension manifest", () => {
  it("contributes every setting with the typed accessor's default, and nothing else", () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown; description: string }>;
    const contributed = Object.keys(properties).map((key) => key.replace(/^groundwork\./, "")).sort();
    assert.deepEqual(contributed, Object.keys(SETTING_DEFAULTS).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      assert.deepEqual(properties[`groundwork.${key}`].default, value, key);
      assert.ok(properties[`groundwork.${key}`].description.length > 20, `${key} has a description`);
    }
  });

  it("contributes every command the extension registers, under the Groundwork category", () => {
    const source = readdirSync(path.join(REPO_ROOT, "src", "extension"))
      .map((file) => readFileSync(path.join(REPO_ROOT, "src", "extension", file), "utf8"))
      .join("\n");
    const registered = new Set([...source.matchAll(/"(groundwork\.[a-zA-Z]+)"/g)].map((m) => m[1]).filter((id) => !id.startsWith("groundwork.index")));
    const contributed = new Set((manifest.contributes.commands as Array<{ command: string; category: string }>).map((c) => c.command));
    for (const command of registered) assert.ok(contributed.has(command), `${command} is not in contributes.commands`);
    for (const command of manifest.contributes.commands) assert.equal(command.category, "Groundwork");
  });

  it("activates after start-up, not on every event", () => {
    assert.deepEqual(manifest.activationEvents, ["onStartupFinished"]);
    assert.equal(manifest.main, "./dist/extension.js");
  });
});
