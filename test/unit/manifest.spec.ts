import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AGENT_TOOLS } from "../../src/core/tools/agentTools";
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
    registered.delete("groundwork.svg"); // the icon's file name, not an id
    // Ids of the chat participant and the MCP provider share the prefix too.
    for (const other of [...manifest.contributes.chatParticipants, ...manifest.contributes.mcpServerDefinitionProviders] as Array<{ id: string }>) registered.delete(other.id);
    const contributed = new Set((manifest.contributes.commands as Array<{ command: string; category: string }>).map((c) => c.command));
    for (const command of registered) assert.ok(contributed.has(command), `${command} is not in contributes.commands`);
    for (const command of manifest.contributes.commands) assert.equal(command.category, "Groundwork");
  });

  it("contributes the agent tools exactly as the MCP server defines them, and the participant, MCP provider and model vendor the code registers", () => {
    const tools = manifest.contributes.languageModelTools as Array<{ name: string; toolReferenceName: string; modelDescription: string; inputSchema: unknown; canBeReferencedInPrompt: boolean }>;
    assert.ok(tools.some((tool) => tool.toolReferenceName === "groundwork"), "#groundwork in a prompt");
    for (const tool of tools) {
      const definition = AGENT_TOOLS.find((t) => `groundwork_${t.name}` === tool.name);
      assert.ok(definition, `${tool.name} is no agent tool`);
      assert.deepEqual(tool.inputSchema, definition.inputSchema, tool.name);
      assert.equal(tool.modelDescription, definition.description, tool.name);
      assert.equal(tool.canBeReferencedInPrompt, true);
    }
    const source = (file: string): string => readFileSync(path.join(REPO_ROOT, "src", "extension", "agents", file), "utf8");
    for (const tool of tools) assert.match(source("lmTools.ts"), new RegExp(`${tool.name}: "`), `${tool.name} is registered`);
    assert.match(source("participant.ts"), new RegExp(`PARTICIPANT_ID = "${manifest.contributes.chatParticipants[0].id}"`));
    assert.deepEqual(manifest.contributes.chatParticipants[0].commands.map((c: { name: string }) => c.name), ["search", "explain", "conventions"]);
    assert.match(source("mcpProvider.ts"), new RegExp(`MCP_PROVIDER_ID = "${manifest.contributes.mcpServerDefinitionProviders[0].id}"`));
    assert.match(source("modelProvider.ts"), new RegExp(`MODEL_VENDOR = "${manifest.contributes.languageModelChatProviders[0].vendor}"`));
    assert.equal(manifest.engines.vscode, "^1.104.0", "the version these APIs are stable in");
    assert.equal(manifest.devDependencies["@types/vscode"], "1.104.0");
  });

  it("activates after start-up, not on every event", () => {
    assert.deepEqual(manifest.activationEvents, ["onStartupFinished"]);
    assert.equal(manifest.main, "./dist/extension.js");
  });
});
