/**
 * The one Workers runtime type the generated Env (worker-configuration.d.ts) names. The types are generated
 * without the runtime's (`--include-runtime=false`): those redeclare the DOM's and Node's globals that the
 * rest of the repository compiles against. Same shape as @cloudflare/workers-types' `RateLimit`.
 */
interface RateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
