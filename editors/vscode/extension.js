// Starts `stele lsp` for .stele files. The executable is the `stele.server.path` setting.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function createClient() {
  const config = vscode.workspace.getConfiguration("stele");
  const command = config.get("server.path", "stele");
  const args = ["lsp", ...config.get("server.extraArgs", [])];
  const serverOptions = { run: { command, args }, debug: { command, args } };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "stele" }],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.stele,Stele.toml}"),
    },
  };
  return new LanguageClient("stele", "Stele", serverOptions, clientOptions);
}

async function activate(context) {
  client = createClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("stele.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      client = createClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("stele.server")) {
        await vscode.commands.executeCommand("stele.restartServer");
      }
    }),
  );
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
