import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { MACHINE_SETTINGS, SETTING_DEFAULTS } from "../../src/extension/settingsSchema";
import { REPO_ROOT } from "../helpers/workspace";

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));

describe("extension manifest", () => {
  it("contributes every setting with the typed accessor's default, and nothing else", () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown; description?: string; markdownDescription?: string }>;
    const contributed = Object.keys(properties).map((key) => key.replace(/^groundwork\./, "")).sort();
    assert.deepEqual(contributed, Object.keys(SETTING_DEFAULTS).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      assert.deepEqual(properties[`groundwork.${key}`].default, value, key);
      const property = properties[`groundwork.${key}`];
      assert.ok((property.description ?? property.markdownDescription ?? "").length > 20, `${key} has a description`);
    }
  });

  it("gives the settings that choose where code is sent application scope, so a repository cannot set them", () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
    for (const key of MACHINE_SETTINGS) assert.ok(["application", "machine"].includes(properties[`groundwork.${key}`].scope ?? ""), key);
    const profile = (properties["groundwork.models"] as { items: { properties: Record<string, unknown> } }).items.properties;
    assert.ok("baseURL" in profile && "headers" in profile, "base URLs and headers live inside the application-scoped profiles");
  });

  it("contributes every command the extension registers, under the Groundwork category", () => {
    const source = readdirSync(path.join(REPO_ROOT, "src", "extension"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => readFileSync(path.join(REPO_ROOT, "src", "extension", file), "utf8"))
      .join("\n");
    const registered = new Set([...source.matchAll(/"(groundwork\.[a-zA-Z]+)"/g)].map((m) => m[1])
      // Setting sections (groundwork.index.*, groundwork.completions.*) and status bar item ids share the prefix.
      .filter((id) => !Object.keys(SETTING_DEFAULTS).some((key) => `groundwork.${key}` === id || `groundwork.${key}`.startsWith(`${id}.`))));
    for (const view of Object.values(manifest.contributes.views as Record<string, Array<{ id: string }>>).flat()) registered.delete(view.id);
    const contributed = new Set((manifest.contributes.commands as Array<{ command: string; category: string }>).map((c) => c.command));
    for (const command of registered) assert.ok(contributed.has(command), `${command} is not in contributes.commands`);
    for (const command of manifest.contributes.commands) assert.equal(command.category, "Groundwork");
  });

  it("activates after start-up, not on every event", () => {
    assert.deepEqual(manifest.activationEvents, ["onStartupFinished"]);
    assert.equal(manifest.main, "./dist/extension.js");
  });
});
