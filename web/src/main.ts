import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyTheme, initialTheme } from "./lib/theme.svelte.ts";

// Before the first paint, so a dark-mode visitor never sees a flash of the light page.
applyTheme(initialTheme());

const target = document.getElementById("app");
if (!target) throw new Error("index.html must contain <div id=\"app\">");

export default mount(App, { target });
