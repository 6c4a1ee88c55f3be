/**
 * Copies text; resolves false when the page may not (the clipboard API needs a secure context, https or
 * localhost, and the user's permission). Callers then show the text for the user to copy by hand.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
