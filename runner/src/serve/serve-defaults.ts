/** The port `runner serve` listens on. Apart from serve.ts so the CLI declares it without loading serve. */
export const DEFAULT_SERVE_PORT = 8470;
