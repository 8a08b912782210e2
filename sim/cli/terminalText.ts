/**
 * Characters that a terminal would act on rather than show: C0 controls but tab and newline (ESC starts colour, cursor
 * and OSC title sequences; CR and backspace overwrite what was printed), DEL, C1 controls (U+009B is a one-byte CSI on
 * some terminals), and the bidirectional overrides and isolates that reorder what is shown.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as the terminal should get it: every unsafe character (above) written as its `\uXXXX` escape, so a scenario
 * named "\u001b]0;x\u0007" prints as those characters and does not retitle the window. Every line the CLI prints passes
 * through it (main() wraps its stdout and stderr), user text (scenario, node and file names, messages quoting a file)
 * or not. JSON output stays valid JSON with the same values: JSON.stringify has already escaped C0 controls, and the
 * others can only appear inside strings, where `\uXXXX` means the same character.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
