// The extension's one log: a LogOutputChannel with levels and component tags.
import * as vscode from "vscode";
import { errorMessage, type Logger } from "../core/util/host";

export function createLogger(channel: vscode.LogOutputChannel, component?: string): Logger {
  const tag = (message: string): string => (component ? `[${component}] ${message}` : message);
  return {
    trace: (message) => channel.trace(tag(message)),
    debug: (message) => channel.debug(tag(message)),
    info: (message) => channel.info(tag(message)),
    warn: (message) => channel.warn(tag(message)),
    error: (message, error) => channel.error(tag(error === undefined ? message : `${message}: ${errorMessage(error)}`)),
  };
}
