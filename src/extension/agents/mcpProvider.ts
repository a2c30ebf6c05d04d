// Groundwork's MCP server for VS Code's agent mode, with no setup: the bundled CLI's `mcp` over
// stdio, on the workspace's folders and the same indexes the extension keeps (their writer lock
// keeps the two from writing at once).
import * as path from "node:path";
import * as vscode from "vscode";

export const MCP_PROVIDER_ID = "groundwork.mcp";

/** The user's answers to sending code to an embedding model this session. */
export interface EmbeddingAnswers {
  embeddingDeclined(baseURL: string, model: string): boolean;
  readonly onDidAnswerEmbedding: vscode.Event<void>;
}

export class GroundworkMcpProvider implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private readonly folderListener: vscode.Disposable;

  private readonly settingsListener: vscode.Disposable;
  private readonly answersListener: vscode.Disposable | undefined;

  constructor(
    private readonly extensionPath: string, private readonly storageDir: string, private readonly version: string, private readonly answers?: EmbeddingAnswers,
    /** The embedding model's key from SecretStorage, handed to the server when VS Code starts it. */
    private readonly embeddingKey?: () => Thenable<string | undefined>,
  ) {
    this.folderListener = vscode.workspace.onDidChangeWorkspaceFolders(() => this.changed.fire());
    this.settingsListener = vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration("groundwork.index.embeddings") && this.changed.fire());
    this.answersListener = answers?.onDidAnswerEmbedding(() => this.changed.fire());
  }

  /**
   * The embedding server the settings name: the CLI uses an index's model only at a server its user
   * named. None when the user declined sending this workspace to it this session.
   */
  private embeddingServer(): string | undefined {
    const setting = vscode.workspace.getConfiguration("groundwork").get<{ baseURL?: string; model?: string; modelDir?: string }>("index.embeddings") ?? {};
    if (!setting.baseURL || setting.modelDir) return undefined;
    return setting.model && this.answers?.embeddingDeclined(setting.baseURL, setting.model) ? undefined : setting.baseURL;
  }

  provideMcpServerDefinitions(): vscode.McpStdioServerDefinition[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file");
    if (folders.length === 0) return [];
    const args = [path.join(this.extensionPath, "dist", "cli.js"), "mcp", ...folders.flatMap((folder) => ["--workspace", folder.uri.fsPath]), "--storage", this.storageDir];
    // The editor's own Node.js runs the bundled CLI (as Node, where the editor is Electron).
    const server = this.embeddingServer();
    // The key is the extension's (filled in when the server starts), never OPENAI_API_KEY from the editor's environment.
    const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: "1", GROUNDWORK_EMBEDDING_API_KEY: "", ...(server ? { GROUNDWORK_EMBEDDING_BASE_URL: server } : {}) };
    return [new vscode.McpStdioServerDefinition("Groundwork", process.execPath, args, env, `${this.version}+${folders.length}+${server ?? ""}`)];
  }

  async resolveMcpServerDefinition(definition: vscode.McpStdioServerDefinition): Promise<vscode.McpStdioServerDefinition> {
    const env = definition.env as Record<string, string | number | null>;
    const key = env.GROUNDWORK_EMBEDDING_BASE_URL ? await this.embeddingKey?.() : undefined;
    if (key) definition.env = { ...env, GROUNDWORK_EMBEDDING_API_KEY: key };
    return definition;
  }

  dispose(): void {
    this.folderListener.dispose();
    this.settingsListener.dispose();
    this.answersListener?.dispose();
    this.changed.dispose();
  }
}
