import { Command } from 'commander';
import { ApiClient } from './api-client.js';
import type { RemoteHost } from './host.js';
import { addRequiredHostOption } from './host-option.js';

/** The target actions of the API: POST /api/target/<action>. */
export type TargetAction = 'reset' | 'boot' | 'run';

interface TargetActionOptions {
  host: RemoteHost;
  json?: boolean;
}

/** `airboot reset|boot|run --host H`: one POST; prints the service's message (or the JSON answer with --json). */
export function targetActionCommand(action: TargetAction, description: string): Command {
  return addRequiredHostOption(
    new Command(action)
      .description(description)
      .option('--json', 'print the answer as one JSON object on stdout'),
  ).action(async (options: TargetActionOptions) => {
    const answer = await new ApiClient(options.host).post<{ ok?: boolean; message?: string }>(
      `/api/target/${action}`,
    );
    if (options.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
    else process.stdout.write(`${answer.message ?? `${action}: done`}\n`);
  });
}
