// Files bundled as text by wrangler's [[rules]] (see wrangler.toml): importing one gives its contents.
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const text: string;
  export default text;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const text: string;
  export default text;
}
