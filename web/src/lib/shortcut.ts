/**
 * Whether `event` is the panel shortcut Ctrl+Alt+`code` (⌘⌥ on a Mac), e.g. `"KeyH"`. By physical key
 * (`event.code`), so that the Option layer on a Mac, which turns ⌥H into "˙", does not change it. Never
 * AltGr, which Windows reports as Ctrl+Alt: AltGr+B types "{" on Hungarian and Czech keyboards, and a
 * shortcut must not take a character someone is typing.
 */
export function isPanelShortcut(event: KeyboardEvent, code: string): boolean {
  if (event.getModifierState("AltGraph")) return false;
  return (event.ctrlKey || event.metaKey) && event.altKey && !event.shiftKey && event.code === code;
}
