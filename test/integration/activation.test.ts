import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { EXTENSION_ID, groundwork } from "./helpers";

describe("activation", () => {
  it("activates without error and exposes its services", async () => {
    const api = await groundwork();
    assert.ok(api.indexService);
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it("registers its commands", async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const command of ["groundwork.reindex", "groundwork.showIndexStatus", "groundwork.searchCodebase"]) {
      assert.ok(commands.includes(command), `${command} is registered`);
    }
  });
});
