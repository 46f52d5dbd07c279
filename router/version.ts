/** The router's version and the agent string it announces in WELCOME.Details.agent. */
import packageJson from '../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
export const ROUTER_AGENT = `asexor/${VERSION}`;
