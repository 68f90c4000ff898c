import { streamEvents, type ReplayInput } from '../../local/cli-input';
import type { RejectedInput } from '../../local/sandbox';

/**
 * Reads an NDJSON event file as `npm start -- --events` does (`streamEvents`: a line that is not JSON goes to
 * `rejected` with its line number), collected for tests that replay it in one call.
 */
export async function readEventsFile(file: string, rejected: RejectedInput[] = []): Promise<ReplayInput[]> {
  const inputs: ReplayInput[] = [];
  for await (const input of streamEvents(file, (r) => rejected.push(r))) inputs.push(input);
  return inputs;
}
