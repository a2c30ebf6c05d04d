// Groundwork for every agent in VS Code: the MCP server for agent mode, language-model tools
// (`#groundwork`), the `@groundwork` chat participant, and Groundwork's profiles in the model picker.
// Each is registered on its own, so a VS Code without one of these APIs loses only that one.
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../../core/util/host";
import { EMBEDDINGS_SECRET } from "../codebaseSettings";
import type { IndexService } from "../indexService";
import type { ModelService } from "../modelService";
import { LM_TOOL_NAMES, registerLanguageModelTools } from "./lmTools";
import { GroundworkMcpProvider, MCP_PROVIDER_ID } from "./mcpProvider";
import { GroundworkModelProvider, MODEL_VENDOR } from "./modelProvider";
import { participantHandler, registerParticipant } from "./participant";

export interface AgentSurfaces {
  mcpProvider?: GroundworkMcpProvider;
  /** The `@groundwork` handler, for tests, and the id the participant was registered under. */
  participant?: vscode.ChatRequestHandler;
  participantId?: string;
  toolNames: readonly string[];
  /** Which surfaces this VS Code could not take, and why. */
  missing: string[];
}

export interface AgentDeps {
  context: vscode.ExtensionContext;
  indexService: IndexService;
  models: ModelService;
  storageDir: string;
  logger: Logger;
}

export function registerAgentSurfaces(deps: AgentDeps): AgentSurfaces {
  const { context, logger } = deps;
  const surfaces: AgentSurfaces = { toolNames: [], missing: [] };
  const attempt = (what: string, available: boolean, body: () => void): void => {
    if (!available) {
      surfaces.missing.push(`${what}: this VS Code has no API for it`);
      logger.info(`Not offering ${what}: this VS Code has no API for it.`);
      return;
    }
    try {
      body();
    } catch (error) {
      surfaces.missing.push(`${what}: ${errorMessage(error)}`);
      logger.error(`Could not offer ${what}`, error);
    }
  };
  attempt("the MCP server for agent mode", typeof vscode.lm?.registerMcpServerDefinitionProvider === "function", () => {
    const provider = new GroundworkMcpProvider(context.extensionPath, deps.storageDir, String(context.extension.packageJSON.version ?? "0"), deps.indexService, () => context.secrets.get(EMBEDDINGS_SECRET));
    context.subscriptions.push(provider, vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
    surfaces.mcpProvider = provider;
  });
  attempt("language-model tools", typeof vscode.lm?.registerTool === "function", () => {
    context.subscriptions.push(...registerLanguageModelTools(deps.indexService, deps.models.audit, logger));
    surfaces.toolNames = Object.keys(LM_TOOL_NAMES);
  });
  attempt("the @groundwork chat participant", typeof vscode.chat?.createChatParticipant === "function", () => {
    const participantDeps = { indexService: deps.indexService, models: deps.models, logger, extensionUri: context.extensionUri };
    const participant = registerParticipant(participantDeps);
    context.subscriptions.push(participant);
    surfaces.participant = participantHandler(participantDeps);
    surfaces.participantId = participant.id;
  });
  attempt("Groundwork's models in the model picker", typeof vscode.lm?.registerLanguageModelChatProvider === "function", () => {
    context.subscriptions.push(vscode.lm.registerLanguageModelChatProvider(MODEL_VENDOR, new GroundworkModelProvider(deps.models, logger)));
  });
  return surfaces;
}
