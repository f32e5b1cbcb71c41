// How the command flows ask questions: quick picks and input boxes whose
// answers are checked as they are typed (an answer out of range is refused
// with the reason and cannot be accepted). The tests swap in a scripted
// prompter through the extension's API, so the same flows run unattended.

import * as vscode from 'vscode';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface InputOptions {
  prompt: string;
  value?: string;
  placeholder?: string;
  /** the reason an answer is refused, or undefined to accept it (the simulator may answer: then a promise) */
  validate?: (text: string) => string | undefined | Promise<string | undefined>;
}

export interface Prompter {
  pick<T>(title: string, items: PickItem<T>[], placeholder?: string): Promise<T | undefined>;
  input(title: string, opts: InputOptions): Promise<string | undefined>;
}

export class VsCodePrompter implements Prompter {
  async pick<T>(title: string, items: PickItem<T>[], placeholder?: string): Promise<T | undefined> {
    const picked = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
      { title, placeHolder: placeholder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return picked?.value;
  }

  async input(title: string, opts: InputOptions): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title,
      prompt: opts.prompt,
      value: opts.value,
      placeHolder: opts.placeholder,
      ignoreFocusOut: true,
      validateInput: async (text) => (await opts.validate?.(text)) ?? null,
    });
  }
}

/**
 * Answers given in advance, in order. A pick answer is matched against the
 * items' labels (exact, then prefix); an input answer that the flow refuses
 * is recorded in `refusals` and the next answer is tried, as a user retyping
 * would. Running out of answers cancels.
 */
export class ScriptedPrompter implements Prompter {
  readonly refusals: string[] = [];
  readonly asked: string[] = [];
  constructor(private readonly answers: string[]) {}

  async pick<T>(title: string, items: PickItem<T>[]): Promise<T | undefined> {
    this.asked.push(title);
    const a = this.answers.shift();
    if (a === undefined) return undefined;
    const item = items.find((i) => i.label === a) ?? items.find((i) => i.label.startsWith(a)) ?? items.find((i) => String(i.value) === a);
    if (!item) {
      this.refusals.push(`${title}: no item ${JSON.stringify(a)} (items: ${items.map((i) => i.label).join(', ')})`);
      return undefined;
    }
    return item.value;
  }

  async input(title: string, opts: InputOptions): Promise<string | undefined> {
    this.asked.push(title);
    for (;;) {
      const a = this.answers.shift();
      if (a === undefined) return undefined;
      const why = await opts.validate?.(a);
      if (!why) return a;
      this.refusals.push(why);
    }
  }
}
