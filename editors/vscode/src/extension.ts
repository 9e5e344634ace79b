// The VS Code side of migc: starts `<python> -m migc lsp` and hands .mig files to it.
// Everything else (diagnostics, completion, hover, ...) lives in the Python language server.
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

const CLIENT_ID = "mig";
const CLIENT_NAME = "migc language server";
// Restart after a crash at most this many times in this window, then leave it stopped and say so.
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
let restarts: number[] = [];

function interpreter(): string {
  const configured = vscode.workspace.getConfiguration("mig").get<string>("python.path", "").trim();
  if (configured) {
    return configured;
  }
  return process.platform === "win32" ? "python" : "python3";
}

function settings(): { specs: string[] } {
  return { specs: vscode.workspace.getConfiguration("mig").get<string[]>("specs", []) };
}

function createClient(output: vscode.OutputChannel): LanguageClient {
  const command = interpreter();
  const serverOptions: ServerOptions = {
    command,
    args: ["-m", "migc", "lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "mig" },
      { scheme: "untitled", language: "mig" },
    ],
    initializationOptions: settings(),
    synchronize: { configurationSection: "mig" },
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: {
      // A malformed message is not worth a restart; a dead process is.
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => restartAfterCrash(output),
    },
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

async function start(output: vscode.OutputChannel): Promise<void> {
  client = createClient(output);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `migc: could not start the language server with \`${interpreter()} -m migc lsp\` (${message}). ` +
        "Set `mig.python.path` to an interpreter that has migc installed.",
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop().catch(() => undefined);
  }
}

function restartAfterCrash(output: vscode.OutputChannel): { action: CloseAction; handled: boolean } {
  const now = Date.now();
  restarts = restarts.filter((at) => now - at < RESTART_WINDOW_MS);
  if (restarts.length >= MAX_RESTARTS) {
    void vscode.window.showErrorMessage(
      `migc: the language server stopped ${MAX_RESTARTS} times in a few minutes; see the "${CLIENT_NAME}" output. ` +
        'Run "migc: Restart Language Server" after fixing the cause.',
    );
    return { action: CloseAction.DoNotRestart, handled: true };
  }
  restarts.push(now);
  output.appendLine(`The language server stopped; restarting (${restarts.length}/${MAX_RESTARTS}).`);
  return { action: CloseAction.Restart, handled: true };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("mig.restartServer", async () => {
      restarts = [];
      await stop();
      await start(output);
    }),
    // A new interpreter needs a new server process; other settings reach the running server.
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("mig.python.path")) {
        await stop();
        await start(output);
      }
    }),
  );
  await start(output);
}

export function deactivate(): Promise<void> | undefined {
  return stop();
}
