import { getContext, setContext } from "svelte";

/**
 * Light or dark: the system setting (`prefers-color-scheme`) until the person picks one with the toggle,
 * then their pick, remembered in localStorage. The resolved theme goes on `<html data-theme>` (the CSS
 * variables in app.css and the editor's theme follow it) and into `color-scheme`, so form controls and
 * scrollbars match.
 *
 * @example
 * const theme = new Theme();
 * theme.toggle(); // remembers the opposite of what is shown
 */
export type ThemeName = "light" | "dark";

export const THEME_STORAGE_KEY = "collab:theme";

const DARK_QUERY = "(prefers-color-scheme: dark)";

export class Theme {
  /** The person's pick, or undefined to follow the system. */
  chosen = $state<ThemeName | undefined>(readChoice());
  #systemDark = $state(typeof matchMedia === "function" && matchMedia(DARK_QUERY).matches);
  readonly current: ThemeName = $derived(this.chosen ?? (this.#systemDark ? "dark" : "light"));

  /** Follows system changes and applies the theme to the page until the returned cleanup runs. */
  listen(): () => void {
    const query = matchMedia(DARK_QUERY);
    const onChange = (event: MediaQueryListEvent) => (this.#systemDark = event.matches);
    query.addEventListener("change", onChange);
    const stop = $effect.root(() => {
      $effect(() => applyTheme(this.current));
    });
    return () => {
      query.removeEventListener("change", onChange);
      stop();
    };
  }

  toggle(): void {
    this.chosen = this.current === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(THEME_STORAGE_KEY, this.chosen);
    } catch {
      // Storage can be blocked (private modes, policies): the pick then lasts for this page only.
    }
  }
}

/** Sets the theme on the document; also called before the app mounts, so the page never flashes light. */
export function applyTheme(name: ThemeName): void {
  document.documentElement.dataset.theme = name;
  document.documentElement.style.colorScheme = name;
}

/** The remembered pick; anything else in storage (an older format, a typo) means "follow the system". */
export function readChoice(): ThemeName | undefined {
  try {
    const value = localStorage.getItem(THEME_STORAGE_KEY);
    return value === "light" || value === "dark" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The theme to show before any component runs. */
export function initialTheme(): ThemeName {
  return readChoice() ?? (matchMedia(DARK_QUERY).matches ? "dark" : "light");
}

const THEME_CONTEXT = Symbol("theme");

/** Makes the app's theme available to every component below (App.svelte calls it once). */
export function setThemeContext(theme: Theme): void {
  setContext(THEME_CONTEXT, theme);
}

export function getThemeContext(): Theme {
  const theme = getContext<Theme | undefined>(THEME_CONTEXT);
  if (!theme) throw new Error("getThemeContext() needs setThemeContext() in a parent component");
  return theme;
}
