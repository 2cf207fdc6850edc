import type { TestProject } from 'vitest/node';
import { FAKESNOW_INSTALL_COMMAND, findFakesnow, startFakesnow } from './snowflake/fakesnow-server.js';
import { startJsonResultProxy } from './snowflake/json-result-proxy.js';

/**
 * Starts fakesnow's server once for the whole test run, behind the proxy that turns its Arrow
 * results into JSON for snowflake-sdk, and provides the proxy's URL as `snowflakeEndpoint`.
 * Without fakesnow installed it provides '' and the Snowflake tests skip themselves.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const executable = findFakesnow();
  if (executable === undefined) {
    console.warn(
      `[snowflake] fakesnow is not installed: the Snowflake tests are skipped. Install it with \`${FAKESNOW_INSTALL_COMMAND}\`, or set SLUICE_FAKESNOW to its executable.`,
    );
    project.provide('snowflakeEndpoint', '');
    return async () => {};
  }

  const server = await startFakesnow(executable);
  const proxy = await startJsonResultProxy(server.url);
  project.provide('snowflakeEndpoint', proxy.url);
  return async () => {
    await proxy.close();
    await server.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Snowflake emulator (fakesnow behind its JSON-result proxy), or '' without it. */
    snowflakeEndpoint: string;
  }
}
