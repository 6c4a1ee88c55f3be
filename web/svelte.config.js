/** @type {import("@sveltejs/vite-plugin-svelte").SvelteConfig} */
export default {
  compilerOptions: {
    // Every component in this app uses runes; failing on legacy syntax keeps it that way.
    runes: true,
  },
};
