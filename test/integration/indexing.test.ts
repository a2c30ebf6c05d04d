import * as assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { running } from "../helpers/workspace";
import { before, describe, it } from "mocha";
import * as vscode from "vscode";
import type { GroundworkApi } from "../../src/extension/extension";
import { groundwork, search, waitFor, workspaceUri } from "./helpers";

describe("indexing in VS Code", () => {
  let api: GroundworkApi;
  let chunks: number;

  before(async () => {
    api = await groundwork();
  });

  it("Reindex Workspace indexes the workspace (in a process of its own) and the index finds a known symbol", async () => {
    const reindex = vscode.commands.executeCommand<number>("groundwork.reindex");
    let pid: number | undefined;
    for (const deadline = Date.now() + 10_000; pid === undefined && Date.now() < deadline; ) {
      pid = api.indexService.indexingProcess;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(pid, "an indexing process ran");
    assert.notEqual(pid, process.pid, "not the extension host");
    assert.match(readFileSync(`/proc/${pid}/cmdline`, "utf8"), /dist\/indexer\.js/);
    chunks = (await reindex)!;
    assert.equal(api.indexService.lastRun, "indexing process", "not the fallback in the extension host");
    assert.ok(chunks > 20, `only ${chunks} chunks`);
    const hits = await search("bounded queue offer item");
    assert.equal(hits[0]?.path, "lib/Queue.java");
    assert.equal(hits[0]?.uri, workspaceUri("lib/Queue.java").toString());
  });

  it("shows the chunk count in the status bar", async () => {
    await waitFor("the status bar to show the chunk count", async () => (api.statusBar.text.includes(`${chunks} chunks`) ? true : undefined), 10_000);
    assert.match(api.statusBar.text, /Groundwork: \d+ chunks/);
  });

  it("Show Index Status lists skipped files with their reasons", async () => {
    const text = (await vscode.commands.executeCommand<string>("groundwork.showIndexStatus"))!;
    assert.match(text, /Chunks: \d+/);
    assert.match(text, /`\.env`: may hold secrets/);
    assert.match(text, /`node_modules\/`: ignored by default excludes/);
    assert.ok(vscode.window.activeTextEditor?.document.uri.scheme === "groundwork-status");
  });

  it("a save during a run waits for the indexing process (which holds the writer lock), then is indexed", async () => {
    const file = workspaceUri("lib/during_run.py");
    await vscode.workspace.fs.writeFile(file, Buffer.from("def quartz_meridian_latch(gate):\n    return gate\n"));
    const reindex = vscode.commands.executeCommand<number>("groundwork.reindex");
    let pid: number | undefined;
    for (const deadline = Date.now() + 10_000; pid === undefined && Date.now() < deadline; ) {
      pid = api.indexService.indexingProcess;
      if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(pid && running(pid), "the run is in the indexing process, still running");
    // The save comes while the process runs: neither it nor the run may find the index locked by the other.
    const [chunksAfter, updated] = await Promise.all([reindex, api.indexService.updateFiles([file.fsPath])]);
    assert.ok(chunksAfter! > 20);
    assert.equal(updated.length, 1);
    assert.ok(!running(pid), "the save waited for the process's end");
    assert.equal((await search("quartz meridian latch"))[0]?.path, "lib/during_run.py");
    assert.notEqual(api.indexService.state.kind, "error", JSON.stringify(api.indexService.state));
    await vscode.workspace.fs.delete(file);
    await waitFor("the file gone from the index", async () => ((await search("quartz meridian latch")).some((hit) => hit.path === "lib/during_run.py") ? undefined : true));
  });

  it("indexes a created file", async () => {
    await vscode.workspace.fs.writeFile(workspaceUri("lib/fresh_module.py"), Buffer.from("def quasar_frobnicator(level):\n    return level * 3\n"));
    await waitFor("the created file to be searchable", async () => {
      const hits = await search("quasar frobnicator");
      return hits[0]?.path === "lib/fresh_module.py" ? hits : undefined;
    });
  });

  it("re-indexes a file when an edit is saved", async () => {
    const document = await vscode.workspace.openTextDocument(workspaceUri("lib/retry.py"));
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, document.lineCount, 0), "def zephyr_backoff_window(attempt):\n    return attempt + 1\n"));
    assert.ok(await document.save());
    await waitFor("the saved edit to be searchable", async () => {
      const hits = await search("zephyr backoff window");
      return hits[0]?.path === "lib/retry.py" && hits[0].symbol === "zephyr_backoff_window" ? hits : undefined;
    });
    const old = await search("backoff delay base attempt", 10);
    assert.ok(!old.some((hit) => hit.path === "lib/retry.py" && hit.symbol === "backoff_delay"), "the old function is gone");
  });

  it("follows a renamed file", async () => {
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(workspaceUri("lib/fresh_module.py"), workspaceUri("lib/renamed_module.py"));
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor("the renamed file to replace the old path", async () => {
      const hits = await search("quasar frobnicator");
      const paths = hits.map((hit) => hit.path);
      return paths[0] === "lib/renamed_module.py" && !paths.includes("lib/fresh_module.py") ? hits : undefined;
    });
  });

  it("removes a deleted file", async () => {
    await vscode.workspace.fs.delete(workspaceUri("lib/renamed_module.py"));
    await waitFor("the deleted file to leave the index", async () => {
      const hits = await search("quasar frobnicator");
      return hits.some((hit) => hit.path === "lib/renamed_module.py") ? undefined : hits;
    });
  });

  it("indexes nothing in the background while groundwork.index.enabled is false, and catches up when it is turned on", async () => {
    const config = vscode.workspace.getConfiguration("groundwork");
    await config.update("index.enabled", false, vscode.ConfigurationTarget.Global);
    try {
      await waitFor("the status bar to say indexing is off", async () => (api.statusBar.text.includes("indexing off") ? true : undefined), 10_000);
      await vscode.workspace.fs.writeFile(workspaceUri("lib/offline_module.py"), Buffer.from("def basalt_meridian_spool(x):\n    return x\n"));
      // A settings change that would reindex, and a file change: neither indexes now.
      await config.update("index.exclude", ["*.never"], vscode.ConfigurationTarget.Global);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.ok(!(await search("basalt meridian spool")).some((hit) => hit.path === "lib/offline_module.py"), "not indexed while background indexing is off");
      assert.ok((await search("bounded queue offer")).length > 0, "search works");
    } finally {
      await config.update("index.exclude", undefined, vscode.ConfigurationTarget.Global);
      await config.update("index.enabled", undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor("the file written while indexing was off to be searchable", async () => {
      const hits = await search("basalt meridian spool");
      return hits[0]?.path === "lib/offline_module.py" ? hits : undefined;
    });
  });

  it("pauses indexing (changes wait, search works) and resumes by catching up", async () => {
    await vscode.commands.executeCommand("groundwork.pauseIndexing");
    await waitFor("the status bar to say paused", async () => (api.statusBar.text.includes("paused") ? true : undefined), 10_000);
    await vscode.workspace.fs.writeFile(workspaceUri("lib/paused_module.py"), Buffer.from("def obsidian_lantern_gate(key):\n    return key\n"));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.ok(!(await search("obsidian lantern gate")).some((hit) => hit.path === "lib/paused_module.py"), "not indexed while paused");
    assert.ok((await search("bounded queue offer")).length > 0, "search works while paused");
    await vscode.commands.executeCommand("groundwork.resumeIndexing");
    await waitFor("the file written while paused to be searchable", async () => {
      const hits = await search("obsidian lantern gate");
      return hits[0]?.path === "lib/paused_module.py" ? hits : undefined;
    });
    assert.match(api.statusBar.text, /chunks/);
  });

  it("builds the index again when its folder is deleted while VS Code runs", async () => {
    const [status] = await api.indexService.statuses();
    // Deleted once nothing writes there: a write after the deletion (the last test's run ending, maintenance) would make a part of it again.
    await api.indexService.settled();
    rmSync(status.dbPath, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    await waitFor("the deleted index to be built again", async () => {
      const hits = await search("bounded queue offer item");
      return hits[0]?.path === "lib/Queue.java" ? hits : undefined;
    });
    assert.ok((await api.indexService.statuses())[0].filesIndexed > 5);
  });
});
