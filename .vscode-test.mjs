// The extension-host suites (test/extension) under @vscode/test-electron, for
// machines that can download VS Code:
//   node scripts/code-server.mjs build-tests && npx vscode-test
// (build-tests builds dist/ and bundles the suites into out/test-extension).
// Offline (CI), `npm run test:extension` runs the same suites in code-server
// driven by Debian's chromium instead (scripts/code-server.mjs).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'extension',
  files: 'out/test-extension/*.test.js',
  workspaceFolder: './scenarios',
  mocha: { ui: 'tdd', timeout: 120000, color: true },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
