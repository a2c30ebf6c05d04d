// Groundwork's agent tools as VS Code language-model tools, for agent mode and for `#groundwork`
// in a chat prompt: the same tools and answers as the MCP server (core/tools), audited as
// "vscode-tool" calls.
import * as vscode from "vscode";
import type { Codebase } from "../../core/codebase";
import type { AuditLog } from "../../core/model/audit";
import { AGENT_TOOLS, AgentTools, toolFailureMessage } from "../../core/tools/agentTools";
import type { Logger } from "../../core/util/host";
import type { IndexService } from "../indexService";

/** The tools VS Code gets, by their names in package.json (contributes.languageModelTools). */
export const LM_TOOL_NAMES: Readonly<Record<string, string>> = {
  groundwork_search_code: "search_code",
  groundwork_get_definition: "get_definition",
  groundwork_find_references: "find_references",
  groundwork_conventions_for: "conventions_for",
};

export function registerLanguageModelTools(indexService: IndexService, audit: AuditLog, logger: Logger): vscode.Disposable[] {
  // Made again when the codebase is reopened (new settings, a new key): the old one is closed.
  let tools: { codebase: Codebase; tools: AgentTools } | undefined;
  const agentTools = async (): Promise<AgentTools> => {
    const codebase = await indexService.codebase();
    if (tools?.codebase !== codebase) tools = { codebase, tools: new AgentTools(codebase, { audit, caller: "vscode-tool" }) };
    return tools.tools;
  };
  return Object.entries(LM_TOOL_NAMES).map(([vscodeName, name]) => {
    const definition = AGENT_TOOLS.find((tool) => tool.name === name)!;
    return vscode.lm.registerTool<Record<string, unknown>>(vscodeName, {
      prepareInvocation: (options) => ({ invocationMessage: `Groundwork: ${definition.title.toLowerCase()}${summary(options.input)}` }),
      invoke: async (options, token) => {
        // A cancelled call answers nothing (its search is not worth waiting for or sending).
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        try {
          const answer = await (await agentTools()).call(name, options.input);
          if (token.isCancellationRequested) throw new vscode.CancellationError();
          return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(answer.text)]);
        } catch (error) {
          if (error instanceof vscode.CancellationError) throw error;
          logger.warn(`${vscodeName} failed: ${toolFailureMessage(error)}`);
          // Told to the model as the result, so it can correct its input or go on without.
          return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(toolFailureMessage(error))]);
        }
      },
    });
  });
}

function summary(input: Record<string, unknown>): string {
  const subject = input.query ?? input.symbol ?? input.path;
  return typeof subject === "string" ? ` "${subject.slice(0, 60)}"` : "";
}
