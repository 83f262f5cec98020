/** The standalone service's default port (the demo uses 8787). Its own module so the CLI's HTTP verbs load nothing else. */
export const DEFAULT_PORT = 8788;
