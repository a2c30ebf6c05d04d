// The composition root: builds the services, registers every disposable, and starts the
// background index once VS Code has finished starting. Each feature starts in its own try/catch.
import * as path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";
import { type Assistant, registerAssistant } from "./assistant";
import { registerIndexCommands } from "./commands";
import { IndexFileWatcher } from "./fileWatcher";
import { EMBEDDINGS_SECRET, IndexService, RERANKER_SECRET, SHARED_INDEX_SECRET } from "./indexService";
import { createLogger } from "./logger";
import { affectsReindex, affectsReopen, readSettings } from "./settings";
import { IndexStatusBar, STATUS_MENU_COMMAND, showStatusMenu } from "./statusBar";
import { STATUS_SCHEME, StatusDocumentProvider } from "./statusDocument";

export interface GroundworkApi {
  readonly indexService: IndexService;
  readonly statusBar: IndexStatusBar;
  /** Undefined only if the assistant features failed to start (logged). */
  readonly assistant: Assistant | undefined;
  /** How long activate() took, in milliseconds (reported by npm run bench). */
  readonly activationMs: number;
}

export function activate(context: vscode.ExtensionContext): GroundworkApi {
  const activationStarted = performance.now();
  const channel = vscode.window.createOutputChannel("Groundwork", { log: true });
  context.subscriptions.push(channel);
  const logger = createLogger(channel);
  const storage = context.storageUri ?? context.globalStorageUri;
  const indexService = new IndexService({
    storageDir: storage.fsPath,
    workerPath: path.join(context.extensionPath, "dist", "worker.js"),
    indexerPath: path.join(context.extensionPath, "dist", "indexer.js"),
    logger: createLogger(channel, "index"),
    settings: () => readSettings(),
    secret: (name) => context.secrets.get(name),
    confirmEmbedding: async ({ model, baseURL, chunks, tokens }) => {
      const embed = "Embed";
      const answer = await vscode.window.showWarningMessage(
        `Groundwork: send ${chunks.toLocaleString("en-US")} chunks (about ${tokens.toLocaleString("en-US")} tokens) of this workspace to ${model} at ${baseURL} to embed them?`,
        { modal: true, detail: "Each chunk's vector is kept by its content: re-indexing, branch switches and renames do not send it again. Not now: this session searches with builtin vectors and full text only." },
        embed,
      );
      return answer === embed;
    },
  });
  const statusBar = new IndexStatusBar();
  activeIndex = indexService;
  context.subscriptions.push(indexService, statusBar, indexService.onDidChangeState((state) => statusBar.update(state)));

  start(logger, "commands", () => {
    const statusDocument = new StatusDocumentProvider(() => indexService.statuses());
    context.subscriptions.push(
      statusDocument,
      vscode.workspace.registerTextDocumentContentProvider(STATUS_SCHEME, statusDocument),
      ...registerIndexCommands(indexService, statusDocument),
      vscode.commands.registerCommand(STATUS_MENU_COMMAND, showStatusMenu),
    );
  });
  let assistant: Assistant | undefined;
  start(logger, "assistant", () => {
    assistant = registerAssistant({ context, indexService, storageDir: storage.fsPath, logger: createLogger(channel, "assistant"), channel });
  });
  start(logger, "file watcher", () => context.subscriptions.push(new IndexFileWatcher(indexService, createLogger(channel, "watcher"))));
  start(logger, "settings", () => {
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("groundwork.index.enabled")) indexService.backgroundIndexingChanged();
        if (affectsReopen(event) && !affectsReindex(event)) void indexService.reopen();
        if (!affectsReindex(event)) return;
        // Reopened with the new settings; reindexed now only while background indexing is on.
        void indexService.reopen().then(() => (indexService.backgroundIndexing ? indexService.reindexAll() : undefined))
          .catch((error: unknown) => logger.warn(`Reindexing after a settings change failed: ${errorMessage(error)}`));
      }),
      context.secrets.onDidChange((event) => {
        if (event.key === RERANKER_SECRET || event.key === EMBEDDINGS_SECRET || event.key === SHARED_INDEX_SECRET) void indexService.reopen();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        void indexService.foldersChanged().then(() => (indexService.backgroundIndexing ? indexService.reindexAll() : undefined))
          .catch((error: unknown) => logger.warn(`Indexing the changed workspace folders failed: ${errorMessage(error)}`));
      }),
    );
  });
  if (indexService.backgroundIndexing) {
    // onStartupFinished already waits for start-up; yield once more so activation returns at once.
    const timer = setTimeout(() => void indexService.reindexAll().catch((error: unknown) => logger.warn(`Indexing at start-up failed: ${errorMessage(error)}`)), 0);
    context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  } else {
    statusBar.update(indexService.state);
  }
  const activationMs = performance.now() - activationStarted;
  logger.info(`Activated in ${activationMs.toFixed(1)} ms`);
  return {
    indexService,
    statusBar,
    activationMs,
    get assistant() {
      return assistant;
    },
  };
}

/** The index service of the active extension, for deactivate(). */
let activeIndex: IndexService | undefined;

/** Waits for a run in the indexing process to stop; everything else is disposed through context.subscriptions. */
export async function deactivate(): Promise<void> {
  await activeIndex?.stop();
  activeIndex = undefined;
}

function start(logger: Logger, feature: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    logger.error(`Groundwork could not start its ${feature}`, error);
    void vscode.window.showErrorMessage(`Groundwork could not start its ${feature}: ${errorMessage(error)}`);
  }
}
