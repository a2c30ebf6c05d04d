// The extension's side of the models: profiles from (user-only) settings, API keys in
// SecretStorage, one ModelClient per profile and key, the active chat and completion profiles,
// and the audit log in the workspace storage.
import * as path from "node:path";
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";
import { AuditLog } from "../core/model/audit";
import { ModelClient } from "../core/model/client";
import { DEFAULT_PROFILE, type ModelProfile, parseProfiles } from "../core/model/profiles";
import { ModelConsent } from "./consent";
import type { GroundworkSettings } from "./settings";

const SECRET_PREFIX = "groundwork.apiKey.";

export interface ModelServiceDeps {
  secrets: vscode.SecretStorage;
  storageDir: string;
  logger: Logger;
  settings: () => GroundworkSettings;
}

export class ModelService implements vscode.Disposable {
  readonly audit: AuditLog;
  private readonly clients = new Map<string, ModelClient>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when profiles, the active choices or a key change. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private lastProfileError: string | undefined;
  /** Models the user agreed to send this untrusted workspace's code to, this session. */
  private readonly untrustedConsent = new ModelConsent(async (label, where) => {
    const choice = await vscode.window.showWarningMessage(
      `This workspace is not trusted. Send code from it to the model "${label}" at ${where}?`,
      { modal: true, detail: "Groundwork will otherwise answer with the retrieved code only." },
      "Send for this session",
    );
    return choice === "Send for this session";
  });

  constructor(private readonly deps: ModelServiceDeps) {
    this.audit = new AuditLog(path.join(deps.storageDir, "audit.jsonl"), deps.logger);
    this.disposables.push(
      deps.secrets.onDidChange((event) => {
        if (!event.key.startsWith(SECRET_PREFIX)) return;
        this.clients.clear();
        this.changeEmitter.fire();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!["groundwork.models", "groundwork.chat.model", "groundwork.completions.model", "groundwork.model.timeoutSeconds"].some((key) => event.affectsConfiguration(key))) return;
        this.clients.clear();
        this.changeEmitter.fire();
      }),
    );
  }

  /** The configured profiles; the built-in local Ollama profile when none are (or they are invalid). */
  profiles(): ModelProfile[] {
    const raw = this.deps.settings().models;
    if (!raw.length) return [DEFAULT_PROFILE];
    try {
      const profiles = parseProfiles(raw);
      this.lastProfileError = undefined;
      return profiles;
    } catch (error) {
      const message = `groundwork.models is invalid: ${errorMessage(error)}. Using the built-in local Ollama profile until it is fixed.`;
      if (message !== this.lastProfileError) {
        this.lastProfileError = message;
        this.deps.logger.warn(message);
        void vscode.window.showWarningMessage(message, "Open Settings").then((choice) => {
          if (choice) void vscode.commands.executeCommand("workbench.action.openSettings", "groundwork.models");
        });
      }
      return [DEFAULT_PROFILE];
    }
  }

  private find(id: string): ModelProfile | undefined {
    return this.profiles().find((profile) => profile.id === id);
  }

  chatProfile(): ModelProfile {
    const profiles = this.profiles();
    return this.find(this.deps.settings()["chat.model"]) ?? profiles[0];
  }

  completionProfile(): ModelProfile {
    return this.find(this.deps.settings()["completions.model"]) ?? this.chatProfile();
  }

  async client(profile: ModelProfile): Promise<ModelClient> {
    const apiKey = await this.deps.secrets.get(SECRET_PREFIX + profile.id);
    const key = JSON.stringify([profile, apiKey !== undefined]);
    let client = this.clients.get(key);
    if (!client) {
      const timeoutMs = this.deps.settings()["model.timeoutSeconds"] * 1000;
      client = new ModelClient(profile, { apiKey, logger: this.deps.logger, timeoutMs, idleTimeoutMs: timeoutMs });
      this.clients.set(key, client);
    }
    return client;
  }

  /** True when code may go to this model now: a trusted workspace, or consent to this model given this session. */
  mayUseModelSilently(profile: ModelProfile): boolean {
    return vscode.workspace.isTrusted || this.untrustedConsent.has(profile.label, profile.baseURL);
  }

  /** In an untrusted workspace, asks once per session and model before any code goes to it. */
  mayUseModel(profile: ModelProfile): Promise<boolean> {
    return this.mayUseModelNamed(profile.label, profile.baseURL);
  }

  /** The same, for any model: by its name and where it runs. Consent to one model is not consent to another. */
  async mayUseModelNamed(label: string, where: string): Promise<boolean> {
    return vscode.workspace.isTrusted || this.untrustedConsent.request(label, where);
  }

  /** Stores a profile's (or the reranker's: id "reranker") key in SecretStorage, never in settings or logs; asks for what is not given. */
  async setApiKey(profileId?: string, apiKey?: string): Promise<boolean> {
    const id = profileId ?? (await this.pickProfile("Set the API key of which model profile?", true))?.id;
    if (!id) return false;
    const key = apiKey ?? (await vscode.window.showInputBox({ prompt: `API key for "${id}" (kept in VS Code's secret storage; empty to remove)`, password: true, ignoreFocusOut: true }));
    if (key === undefined) return false;
    if (key) await this.deps.secrets.store(SECRET_PREFIX + id, key);
    else await this.deps.secrets.delete(SECRET_PREFIX + id);
    this.deps.logger.info(`API key for ${id} ${key ? "stored" : "removed"}`);
    return true;
  }

  /** Makes a profile the active one for chat or completions (user settings). */
  async switchModel(which: "chat" | "completions", profileId?: string): Promise<string | undefined> {
    const id = profileId ?? (await this.pickProfile(which === "chat" ? "Model for chat and code actions" : "Model for inline completions"))?.id;
    if (!id) return undefined;
    if (!this.find(id)) throw new Error(`No model profile "${id}"`);
    await vscode.workspace.getConfiguration("groundwork").update(`${which}.model`, id, vscode.ConfigurationTarget.Global);
    return id;
  }

  private async pickProfile(title: string, withReranker = false): Promise<{ id: string } | undefined> {
    const active = this.chatProfile().id;
    const reranker = this.deps.settings()["search.reranker"] ?? {};
    const embeddings = this.deps.settings()["index.embeddings"] ?? {};
    const shared = this.deps.settings()["index.shared"] ?? {};
    const picked = await vscode.window.showQuickPick(
      [
        ...this.profiles().map((profile) => ({
          label: profile.label,
          description: `${profile.kind === "lora" ? `LoRA on ${profile.baseModel ?? "?"}` : "base"} · ${profile.model}`,
          detail: profile.baseURL,
          picked: profile.id === active,
          profile: { id: profile.id },
        })),
        ...(withReranker && reranker.baseURL ? [{ label: "Reranker", description: reranker.model ?? "", detail: reranker.baseURL, picked: false, profile: { id: "reranker" } }] : []),
        ...(withReranker && embeddings.baseURL ? [{ label: "Embeddings", description: embeddings.model ?? "", detail: embeddings.baseURL, picked: false, profile: { id: "embeddings" } }] : []),
        ...(withReranker && shared.uri ? [{ label: "Shared index", description: "ACCESS_KEY_ID:SECRET_ACCESS_KEY", detail: shared.uri, picked: false, profile: { id: "sharedIndex" } }] : []),
      ],
      { title, matchOnDescription: true },
    );
    return picked?.profile;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.changeEmitter.dispose();
  }
}
